using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Items;

public static class ReturnEndpoints
{
    public static IEndpointRouteBuilder MapReturnEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/returns").WithTags("Returns");

        api.MapPost("/", async (CreateReturnRequest request, ReturnItems items, HttpContext http, CancellationToken cancellationToken) =>
        {
            var errors = ReturnItems.Validate(request);
            if (errors.Count > 0)
            {
                return Results.ValidationProblem(errors, title: "The return item is not valid");
            }
            var item = await items.CreateAsync(request, Actor.From(http.User), cancellationToken); // a duplicate plate: 409 (DomainProblemHandler)
            return Results.Created($"/api/v1/returns/{item.Id}", await items.GetForAsync(item.Id, http.User, cancellationToken));
        })
            .RequireAuthorization(Policies.Grading)
            .RequireRateLimiting(RateLimitPolicies.Items)
            .AddEndpointFilter<CookieAntiforgeryFilter>()
            .Produces<ReturnItemDetails>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Announces a returned item by its licence plate (returnId).");

        // A blind item's suggestion is withheld from graders here as at the station (ADR 0022).
        api.MapGet("/{id}", async (Guid id, ReturnItems items, HttpContext http, CancellationToken cancellationToken) =>
            await items.GetForAsync(id, http.User, cancellationToken) is { } item ? Results.Ok(item) : ApiProblems.ItemNotFound(id))
            .RequireAuthorization(Policies.Staff)
            .Produces<ReturnItemDetails>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The item, its photos, its suggestion (null until a model exists, and for a grader when the item is blind), its decisions and status.");

        api.MapGet("/", async (string returnId, ReturnItems items, HttpContext http, CancellationToken cancellationToken) =>
            string.IsNullOrWhiteSpace(returnId)
                ? ApiProblems.InvalidField("returnId", "A licence plate is required: ?returnId=LP123.")
            : await items.FindIdByReturnIdAsync(returnId, cancellationToken) is { } id
                ? Results.Ok(await items.GetForAsync(id, http.User, cancellationToken))
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such return item", detail: $"No item has licence plate {returnId}."))
            .RequireAuthorization(Policies.Staff)
            .Produces<ReturnItemDetails>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Looks an item up by its licence plate: ?returnId=LP123.");
        return app;
    }
}
