using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Decisions;

public static class DecisionEndpoints
{
    public static IEndpointRouteBuilder MapDecisionEndpoints(this IEndpointRouteBuilder app)
    {
        // Refusals (not valid, no such item, changed meanwhile) are the domain's exceptions: DomainProblemHandler answers them.
        app.MapPost("/api/v1/returns/{id}/grade", async (Guid id, GradeRequest request, DecisionLedger decisions, HttpContext http, CancellationToken cancellationToken) =>
            Results.Created($"/api/v1/returns/{id}", await decisions.DecideAsync(id, request, Actor.From(http.User), cancellationToken)))
            .WithTags("Grading")
            .RequireAuthorization(Policies.Grading)
            .RequireRateLimiting(RateLimitPolicies.Grades)
            .AddEndpointFilter<CookieAntiforgeryFilter>()
            .Produces<DecisionSummary>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Records a grade decision; a second one for the same item is a correction that supersedes the first.");
        return app;
    }
}
