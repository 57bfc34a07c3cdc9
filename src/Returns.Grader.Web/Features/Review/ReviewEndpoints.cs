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
        // A page at a time: the queue stopped at 100 without a word and could not be paged (API pass, 2026-12-05).
        api.MapGet("/", async (string? reason, string? category, string? associate, double? minAgeHours, string? plate, int? skip, int? take,
            ReviewDesk queue, HttpContext http, CancellationToken cancellationToken) =>
        {
            var errors = QueueFilter.Check(reason, minAgeHours, out var parsedReason);
            // "1,5" was read as 15 hours (a thousands separator), where the caller meant one and a half (API pass).
            if (http.Request.Query["minAgeHours"].Any(v => v?.Contains(',', StringComparison.Ordinal) == true))
            {
                errors["minAgeHours"] = ["Write the hours with a decimal point (1.5), without separators."];
            }
            if (skip is < 0)
            {
                errors["skip"] = ["The number of tasks to skip is 0 or more."];
            }
            if (take is < 1 or > QueueFilter.MaxTake)
            {
                errors["take"] = [$"A page holds 1 to {QueueFilter.MaxTake} tasks."];
            }
            if (errors.Count > 0)
            {
                return Results.ValidationProblem(errors, title: "The queue's filters are not valid");
            }
            var filter = new QueueFilter(parsedReason, category, associate, minAgeHours, Take: take ?? 100, Plate: plate, Skip: skip ?? 0);
            var page = await queue.ListAsync(filter, cancellationToken);
            // A page short of 'take' tells the total itself; only a full (or empty, skipped-past) page needs the count.
            var total = page.Count is > 0 && page.Count < filter.Take ? filter.Skip + page.Count : await queue.CountAsync(filter, cancellationToken);
            http.Response.Headers["X-Total-Count"] = total.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (filter.Skip + page.Count < total)
            {
                var next = QueryString.Create(http.Request.Query.Where(q => q.Key is not ("skip" or "take"))
                    .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)))
                    .Append(new("skip", (filter.Skip + page.Count).ToString(System.Globalization.CultureInfo.InvariantCulture)))
                    .Append(new("take", filter.Take.ToString(System.Globalization.CultureInfo.InvariantCulture))));
                http.Response.Headers.Link = $"<{http.Request.PathBase}{http.Request.Path}{next}>; rel=\"next\"";
            }
            return Results.Ok(page);
        })
            .Produces<IReadOnlyList<QueueEntry>>()
            .ProducesValidationProblem()
            .WithSummary("Open review tasks, highest priority first, a page at a time (skip, take: 1-500, default 100; X-Total-Count says how many match, a Link header rel=\"next\" the next page); filter by reason, category (any case), associate (grader id or part of the name), minimum age, part of the licence plate.");

        api.MapPost("/{taskId}/claim", async (Guid taskId, Guid? itemVersion, ReviewDesk queue, HttpContext http, CancellationToken cancellationToken) =>
            Results.Ok(await queue.ClaimAsync(taskId, Actor.From(http.User), cancellationToken, itemVersion)))
            .AddEndpointFilter<CookieAntiforgeryFilter>()
            .Produces<QueueEntry>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Leases the task to the caller for Grader:Review:LeaseMinutes; 409 while someone else holds it; 403 reason own_grade for the person whose grade is under review.")
            .WithDescription("Send itemVersion (the item's `version` from GET /api/v1/returns/{id}) to claim the item as you read it: " +
                "if a grade or photo has arrived since, the answer is 409 and nothing is claimed. Without it the claim takes the item as it is " +
                "now, and a decision is checked against that.");

        api.MapPost("/approve-agreeing", async (BulkApprovalRequest request, ReviewDesk queue, HttpContext http, CancellationToken cancellationToken) =>
            Results.Ok(await queue.ApproveAgreeingAsync(request.TaskIds ?? [], Actor.From(http.User), cancellationToken)))
            .RequireRateLimiting(RateLimitPolicies.Grades)
            .AddEndpointFilter<CookieAntiforgeryFilter>()
            .Produces<BulkApproval>()
            .ProducesValidationProblem()
            .WithMetadata(new CommitsInSteps()) // task by task: a busy database part way keeps the approvals before it
            .WithSummary("Approves each listed open task where the model's suggestion, the grader's grade and the rubric agree and the disposition follows the site's rules (not flagged ones, audits or the caller's own grades); says why any was left.");

        api.MapPost("/{taskId}/decision", async (Guid taskId, ReviewDecisionRequest request, ReviewDesk queue, HttpContext http, CancellationToken cancellationToken) =>
            await queue.DecideOrReplayAsync(taskId, request, Actor.From(http.User), cancellationToken) is var (decision, replayed) && replayed
                ? Results.Ok(decision) // the same supervisor's same decision, sent again: the one stored
                : Results.Created($"/api/v1/review-queue/{taskId}", decision))
            .RequireRateLimiting(RateLimitPolicies.Grades)
            .AddEndpointFilter<CookieAntiforgeryFilter>()
            .Produces<DecisionSummary>(StatusCodes.Status201Created)
            .Produces<DecisionSummary>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("The supervisor's decision (grade body of the station + reasonCode, dispositionPrefilled optional): the item's final label. 409 without the lease or if the item changed since the claim; 403 reason own_grade for the person whose grade is under review; 200 with the stored decision when the same supervisor sends the same decision again.");
        return app;
    }
}
