using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Review;

public static class ReviewEndpoints
{
    public static IEndpointRouteBuilder MapReviewEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/review-queue").WithTags("Review").RequireAuthorization(Policies.Reviewing);

        // reason is read as text: the framework's enum binding would also take "3" and "LowConfidence,HighValue".
        api.MapGet("/", async (string? reason, string? category, string? associate, double? minAgeHours, string? plate, ReviewDesk queue, CancellationToken cancellationToken) =>
        {
            var errors = QueueFilter.Check(reason, minAgeHours, out var parsedReason);
            return errors.Count > 0
                ? Results.ValidationProblem(errors, title: "The queue's filters are not valid")
                : Results.Ok(await queue.ListAsync(new QueueFilter(parsedReason, category, associate, minAgeHours, Plate: plate), cancellationToken));
        })
            .Produces<IReadOnlyList<QueueEntry>>()
            .ProducesValidationProblem()
            .WithSummary("Open review tasks, highest priority first; filter by reason, category, associate (grader id or part of the name), minimum age, part of the licence plate.");

        api.MapPost("/{taskId}/claim", async (Guid taskId, ReviewDesk queue, HttpContext http, CancellationToken cancellationToken) =>
            Results.Ok(await queue.ClaimAsync(taskId, Actor.From(http.User), cancellationToken)))
            .AddEndpointFilter<CookieAntiforgeryFilter>()
            .Produces<QueueEntry>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Leases the task to the caller for Grader:Review:LeaseMinutes; 409 while someone else holds it.");

        api.MapPost("/approve-agreeing", async (BulkApprovalRequest request, ReviewDesk queue, HttpContext http, CancellationToken cancellationToken) =>
            Results.Ok(await queue.ApproveAgreeingAsync(request.TaskIds ?? [], Actor.From(http.User), cancellationToken)))
            .RequireRateLimiting(RateLimitPolicies.Grades)
            .AddEndpointFilter<CookieAntiforgeryFilter>()
            .Produces<BulkApproval>()
            .ProducesValidationProblem()
            .WithMetadata(new CommitsInSteps()) // task by task: a busy database part way keeps the approvals before it
            .WithSummary("Approves each listed open task where the model's suggestion, the grader's grade and the rubric agree and the disposition follows the site's rules (not flagged ones, audits or the caller's own grades); says why any was left.");

        api.MapPost("/{taskId}/decision", async (Guid taskId, ReviewDecisionRequest request, ReviewDesk queue, HttpContext http, CancellationToken cancellationToken) =>
            Results.Created($"/api/v1/review-queue/{taskId}", await queue.DecideAsync(taskId, request, Actor.From(http.User), cancellationToken)))
            .RequireRateLimiting(RateLimitPolicies.Grades)
            .AddEndpointFilter<CookieAntiforgeryFilter>()
            .Produces<DecisionSummary>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("The supervisor's decision (grade body of the station + reasonCode): the item's final label. 409 without the lease or if the item changed since the claim.");
        return app;
    }
}
