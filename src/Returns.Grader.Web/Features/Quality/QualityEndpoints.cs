using Microsoft.EntityFrameworkCore;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;

namespace Returns.Grader.Web.Features.Quality;

/// <summary>How much graders lean on the model: of their decisions where a suggestion existed and was shown, the share
/// that kept the suggested grade unchanged; blind decisions are the baseline.</summary>
public sealed record SuggestionAcceptance(
    string AssociateId, string AssociateName, int Shown, int AcceptedUnchanged, double AcceptedShare, int Blind, int BlindAgreed, double BlindAgreedShare);

public static class QualityEndpoints
{
    public static IEndpointRouteBuilder MapQualityEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/quality/suggestion-acceptance", async (DateTime? from, DateTime? to, IDbContextFactory<GraderDb> dbFactory, CancellationToken cancellationToken) =>
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var decisions = db.GradeDecisions.AsNoTracking().Where(d => d.Kind != DecisionKind.Review && d.SuggestedGrade != null);
            if (from is { } start)
            {
                decisions = decisions.Where(d => d.DecidedAt >= start.ToUniversalTime());
            }
            if (to is { } end)
            {
                decisions = decisions.Where(d => d.DecidedAt < end.ToUniversalTime());
            }
            // Counted by the database: grouped sums, never the rows themselves.
            var rows = await decisions
                .GroupBy(d => new { d.ActorId, d.ActorName })
                .Select(g => new
                {
                    g.Key.ActorId,
                    g.Key.ActorName,
                    Shown = g.Count(d => !d.Blind),
                    Accepted = g.Count(d => !d.Blind && d.Grade == d.SuggestedGrade),
                    Blind = g.Count(d => d.Blind),
                    BlindAgreed = g.Count(d => d.Blind && d.Grade == d.SuggestedGrade),
                })
                .ToListAsync(cancellationToken);
            return Results.Ok(rows.OrderBy(r => r.ActorName).Select(r => new SuggestionAcceptance(
                r.ActorId, r.ActorName, r.Shown, r.Accepted, r.Shown == 0 ? 0 : Math.Round((double)r.Accepted / r.Shown, 4),
                r.Blind, r.BlindAgreed, r.Blind == 0 ? 0 : Math.Round((double)r.BlindAgreed / r.Blind, 4))).ToList());
        })
            .WithTags("Quality")
            .RequireAuthorization(Policies.Quality)
            .Produces<IReadOnlyList<SuggestionAcceptance>>()
            .WithSummary("Per associate: suggestions shown and kept unchanged, and agreement with the model when grading blind.");

        app.MapGet("/api/v1/quality/report", async (DateTime? from, DateTime? to, string? category, string? associate, string? modelVersion, QualityMetrics metrics, CancellationToken cancellationToken) =>
            Results.Ok(await metrics.ReportAsync(new QualityFilter(from, to, category, associate, modelVersion), cancellationToken)))
            .WithTags("Quality")
            .RequireAuthorization(Policies.Quality)
            .Produces<QualityReport>()
            .WithSummary("Model vs final, grader vs final, grader vs model (confusion, accuracy, off-by-one, QWK, over/under-grading, cost), calibration, throughput, queue.");
        return app;
    }
}
