using Microsoft.EntityFrameworkCore;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;

namespace Returns.Grader.Web.Features.Quality;

public static class QualityEndpoints
{
    public static IEndpointRouteBuilder MapQualityEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/quality/suggestion-acceptance", async (DateTime? from, DateTime? to, QualityMetrics metrics, CancellationToken cancellationToken) =>
            DatesOutOfOrder(from, to) ?? Results.Ok(await metrics.SuggestionAcceptanceAsync(new QualityFilter(from, to), cancellationToken)))
            .WithTags("Quality")
            .RequireAuthorization(Policies.Quality)
            .Produces<IReadOnlyList<SuggestionAcceptance>>()
            .ProducesValidationProblem()
            .WithSummary("Per associate: suggestions shown and kept unchanged, and agreement with the model when grading blind.");

        app.MapGet("/api/v1/quality/report", async (DateTime? from, DateTime? to, string? category, string? associate, string? modelVersion, QualityMetrics metrics, CancellationToken cancellationToken) =>
            DatesOutOfOrder(from, to) ?? Results.Ok(await metrics.ReportAsync(new QualityFilter(from, to, category, associate, modelVersion), cancellationToken)))
            .WithTags("Quality")
            .RequireAuthorization(Policies.Quality)
            .Produces<QualityReport>()
            .ProducesValidationProblem()
            .WithSummary("Model vs final, grader vs final, grader vs model (confusion, accuracy, off-by-one, QWK, over/under-grading, cost), calibration, throughput, queue.");
        return app;
    }

    /// <summary>'to' is the first moment not counted: at or before 'from' nothing could be, which is a mistake to say, not
    /// an empty report (the exports' rule too).</summary>
    private static IResult? DatesOutOfOrder(DateTime? from, DateTime? to) =>
        from is { } f && to is { } t && t <= f
            ? Results.ValidationProblem(new Dictionary<string, string[]> { ["to"] = ["'to' must be after 'from'."] },
                title: "The request is not valid", detail: "to: 'to' must be after 'from'.")
            : null;
}
