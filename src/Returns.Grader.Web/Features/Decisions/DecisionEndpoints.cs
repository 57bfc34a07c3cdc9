using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Decisions;

public static class DecisionEndpoints
{
    public static IEndpointRouteBuilder MapDecisionEndpoints(this IEndpointRouteBuilder app)
    {
        // Refusals (not valid, no such item, changed meanwhile) are the domain's exceptions: DomainProblemHandler answers them.
        // The same grade sent again by the same person (a retry after a lost answer) is the decision already stored: 200.
        app.MapPost("/api/v1/returns/{id}/grade", async (Guid id, GradeRequest request, DecisionLedger decisions, HttpContext http, CancellationToken cancellationToken) =>
        {
            var (decision, replayed) = await decisions.DecideOrReplayAsync(id, request, Actor.From(http.User), cancellationToken);
            // Blind on this path too: the answer to a grader's own grade carried the model's grade of a blind item, which
            // the item's GET hides (review of the items API, 2026-12-06; ADR 0022).
            if (decision.Blind && !BlindGrading.MaySeeSuggestion(http.User))
            {
                decision = decision.WithoutSuggestion();
            }
            return replayed ? Results.Ok(decision) : Results.Created($"/api/v1/returns/{id}", decision);
        })
            .WithTags("Grading")
            .RequireAuthorization(Policies.Grading)
            .RequireRateLimiting(RateLimitPolicies.Grades)
            .AddEndpointFilter<CookieAntiforgeryFilter>()
            .Produces<DecisionSummary>(StatusCodes.Status201Created)
            .Produces<DecisionSummary>(StatusCodes.Status200OK)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Records a grade decision (201); a second one for the same item is a correction that supersedes the first; the same grade sent again by the same person, with no photo kept since, is the decision already stored (200).");
        return app;
    }
}
