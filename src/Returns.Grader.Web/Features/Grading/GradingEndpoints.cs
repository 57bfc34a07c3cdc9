using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Features.Items;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Grading;

public static class GradingEndpoints
{
    public static IEndpointRouteBuilder MapGradingEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/returns/{id}/grade", async (Guid id, GradeRequest request, GradingService grading, HttpContext http, CancellationToken cancellationToken) =>
        {
            try
            {
                var decision = await grading.DecideAsync(id, request, Actor.From(http.User), cancellationToken);
                return Results.Created($"/api/v1/returns/{id}", decision);
            }
            catch (GradeValidationException e)
            {
                return Results.ValidationProblem(e.Errors, title: "The grade is not valid");
            }
            catch (ItemNotFoundException)
            {
                return ApiProblems.ItemNotFound(id);
            }
            catch (ConcurrencyConflictException e)
            {
                return ApiProblems.Conflict(e.Message);
            }
        })
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
