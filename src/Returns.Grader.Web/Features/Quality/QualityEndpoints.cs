using Microsoft.EntityFrameworkCore;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Quality;

public static class QualityEndpoints
{
    public static IEndpointRouteBuilder MapQualityEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/quality/suggestion-acceptance", async (DateTime? from, DateTime? to, QualityMetrics metrics, CancellationToken cancellationToken) =>
            await ReadAsync(new QualityFilter(from, to), filter => metrics.SuggestionAcceptanceAsync(filter, cancellationToken)))
            .WithTags("Quality")
            .RequireAuthorization(Policies.Quality)
            .Produces<IReadOnlyList<SuggestionAcceptance>>()
            .ProducesValidationProblem()
            .WithSummary("Per associate: suggestions shown and kept unchanged, and agreement with the model when grading blind.");

        app.MapGet("/api/v1/quality/report", async (DateTime? from, DateTime? to, string? category, string? associate, string? modelVersion, QualityMetrics metrics, CancellationToken cancellationToken) =>
            await ReadAsync(new QualityFilter(from, to, category, associate, modelVersion), filter => metrics.ReportAsync(filter, cancellationToken)))
            .WithTags("Quality")
            .RequireAuthorization(Policies.Quality)
            .Produces<QualityReport>()
            .ProducesValidationProblem()
            .WithSummary("Model vs final, grader vs final, grader vs model (confusion, accuracy, off-by-one, QWK, over/under-grading, cost), calibration, throughput, queue.");
        return app;
    }

    /// <summary>The figures for a filter, or a 400 naming 'to' when the dates are out of order.</summary>
    private static async Task<IResult> ReadAsync<T>(QualityFilter filter, Func<QualityFilter, Task<T>> read) =>
        filter.EndsBeforeItStarts ? ApiProblems.InvalidField("to", ApiTimes.RangeReversed) : Results.Ok(await read(filter));
}
