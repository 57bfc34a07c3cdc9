using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Decisions;

public static class DecisionsRegistration
{
    /// <summary>The decision ledger and the review routing settings it applies to each decision (ADR 0027).</summary>
    public static WebApplicationBuilder AddGraderDecisions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ReviewOptions>().BindConfigurationStrictly(ReviewOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<DecisionLedger>();
        return builder;
    }
}
