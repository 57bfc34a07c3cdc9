using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Grading;

public static class GradingRegistration
{
    public static WebApplicationBuilder AddGraderGrading(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RubricOptions>().BindConfigurationStrictly(RubricOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<DispositionOptions>().BindConfigurationStrictly(DispositionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<RubricCatalog>();
        return builder;
    }
}
