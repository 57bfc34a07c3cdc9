using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Models;

public static class ModelEndpoints
{
    /// <summary>The largest model upload accepted: the shipped model is 7 MB and issue 3 caps shipped models at 12 MB;
    /// a larger network trained on the GPU machine still fits.</summary>
    public const long MaxUploadBytes = 64L * 1024 * 1024;

    public static IEndpointRouteBuilder MapModelEndpoints(this IEndpointRouteBuilder app)
    {
        var models = app.MapGroup("/api/v1/models").WithTags("Models").RequireAuthorization(Policies.DataTeam);

        models.MapGet("", async (ModelRegistry registry, CancellationToken cancellationToken) => Results.Ok(await registry.ListAsync(cancellationToken)))
            .Produces<IReadOnlyList<RegisteredModelView>>()
            .WithSummary("Every registered model with its state (active, shadow, retired), sha256, manifest summary and upload check.");

        models.MapPost("", async (HttpRequest request, ModelRegistry registry, SamplePhoto sample, CancellationToken cancellationToken) =>
        {
            if (!request.HasFormContentType)
            {
                // 415, as routing answered a JSON body here before it left that to the endpoint (after the role is checked)
                return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Send the model as multipart/form-data",
                    detail: "Send multipart/form-data with the files 'model' (model.onnx) and 'manifest' (model.json), optionally 'card'.");
            }
            var (form, unreadable) = await MultipartForms.ReadAsync(request, cancellationToken);
            if (form is null)
            {
                return unreadable!;
            }
            var onnx = form.Files.GetFile("model");
            var manifest = form.Files.GetFile("manifest");
            if (onnx is null || manifest is null)
            {
                return Invalid(onnx is null ? "model" : "manifest", "Both files are needed: 'model' (model.onnx) and 'manifest' (model.json).");
            }
            if (onnx.Length == 0 || manifest.Length == 0)
            {
                // sent, but empty: "both files are needed" sent the caller looking for a part they had sent (API fuzz)
                var empty = onnx.Length == 0 ? "model" : "manifest";
                return Invalid(empty, $"The file sent as '{empty}' is empty (0 bytes).");
            }
            var stateText = form["state"].ToString();
            ModelState state;
            if (string.IsNullOrWhiteSpace(stateText))
            {
                state = ModelState.Shadow;
            }
            else if (stateText is "shadow" or "retired")
            {
                state = stateText == "shadow" ? ModelState.Shadow : ModelState.Retired;
            }
            else
            {
                return Invalid("state", "'state' is 'shadow' (runs beside the active model, default) or 'retired' (registered only).");
            }
            var card = form.Files.GetFile("card");
            await using var onnxStream = onnx.OpenReadStream();
            await using var manifestStream = manifest.OpenReadStream();
            await using var cardStream = card?.OpenReadStream();
            // Not usable: 422, a known version: 409 (the registry's exceptions, answered by DomainProblemHandler).
            var registered = await registry.RegisterAsync(onnxStream, manifestStream, cardStream, state, Actor.From(request.HttpContext.User), sample.Bytes, cancellationToken);
            return Results.Created($"/api/v1/models/{registered.Id}", registered);
        })
            .RequireRateLimiting(RateLimitPolicies.ModelChanges)
            .AddEndpointFilter<CookieAntiforgeryFilter>()
            .DisableAntiforgery() // checked by CookieAntiforgeryFilter for cookie callers only; key/bearer callers carry no ambient credentials
            .WithMetadata(new BodySizeLimit(MaxUploadBytes))
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .Accepts<IFormFile>("multipart/form-data")
            .Produces<RegisteredModelView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status408RequestTimeout)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithMetadata(new CommitsInSteps()) // registered, then put in shadow: a busy database between the two keeps the first
            .WithSummary("Registers a model (ONNX + manifest) after checking that it loads, matches its manifest and runs on a sample photo; it starts in shadow unless state=retired.");

        // State changes carry no body: the cookie callers' antiforgery check is what stops a forged one (ADR 0005).
        var changes = models.MapGroup("").AddEndpointFilter<CookieAntiforgeryFilter>().RequireRateLimiting(RateLimitPolicies.ModelChanges)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable); // this node's models folder cannot be written or read
        changes.MapPost("/{id}/promote", (Guid id, ModelRegistry registry, HttpContext http, CancellationToken cancellationToken) =>
            ChangeAsync(() => registry.ChangeStateAsync(id, ModelState.Active, Actor.From(http.User), cancellationToken)))
            .WithSummary("Makes the model active (the active one retires): no restart, photos in flight finish on the model they started with.");
        changes.MapPost("/{id}/shadow", (Guid id, ModelRegistry registry, HttpContext http, CancellationToken cancellationToken) =>
            ChangeAsync(() => registry.ChangeStateAsync(id, ModelState.Shadow, Actor.From(http.User), cancellationToken)))
            .WithSummary("Runs the model in shadow on every new photo (the previous shadow retires).");
        changes.MapPost("/{id}/retire", (Guid id, ModelRegistry registry, HttpContext http, CancellationToken cancellationToken) =>
            ChangeAsync(() => registry.ChangeStateAsync(id, ModelState.Retired, Actor.From(http.User), cancellationToken)))
            .WithSummary("Stops running a shadow model (the active model cannot be retired: promote another).");
        changes.MapPost("/rollback", (string? from, ModelRegistry registry, HttpContext http, CancellationToken cancellationToken) =>
            from is not null && (string.IsNullOrWhiteSpace(from) || from.Trim().Split('@') is not [{ Length: > 0 }, { Length: > 0 }])
                // not of the form name@version: a 409 "another model is active" was a wrong reason (API fuzz, 2026-12-06)
                ? Task.FromResult(Invalid("from", "'from' is the active model you are rolling back from (name@version), or left out."))
                : ChangeAsync(() => registry.RollbackAsync(Actor.From(http.User), cancellationToken, from?.Trim())))
            .WithSummary("Re-activates the model that was active before the current one.")
            .WithDescription("Send from=name@version, the active model you are rolling back from: if another model is active by then " +
                "(a second rollback, a retry after a lost answer), the answer is 409 and nothing changes. Without it, a repeated " +
                "rollback goes back again.");

        models.MapGet("/comparison", async (string? baseline, string? candidate, string? labels, DateTime? from, DateTime? to,
            ModelRegistry registry, ModelComparison comparison, CancellationToken cancellationToken) =>
        {
            baseline ??= registry.Active?.Manifest.ModelVersion;
            candidate ??= registry.ShadowVersion;
            // Every field that is wrong is named at once: the first check to fail answered alone, and a wrong baseline or
            // label with no shadow running was blamed on "candidate" (API fuzz, 2026-12-06).
            var errors = new Dictionary<string, string[]>();
            var registered = (await registry.ListAsync(cancellationToken)).Select(m => m.ModelVersion).ToHashSet(StringComparer.Ordinal);
            // Named as the one that is missing: in manual mode it is the baseline, and "candidate" sent the caller to the wrong one.
            foreach (var (field, version, byDefault) in new[]
            {
                ("baseline", baseline, "by default the baseline is the active model, and no model is active (manual mode)"),
                ("candidate", candidate, "by default the candidate is the shadow model, and no model runs in shadow"),
            })
            {
                if (version is null)
                {
                    errors[field] = [$"Name the two models (baseline, candidate): {byDefault}."];
                }
                else if (!registered.Contains(version))
                {
                    errors[field] = [$"No model {version} is registered; GET /api/v1/models lists them."];
                }
            }
            if (labels is not (null or "final" or "blind" or "all"))
            {
                errors["labels"] = ["'labels' is 'final' (supervisor-decided items, default), 'blind' (graded without a suggestion shown) or 'all' (every item's current label)."];
            }
            // A wrong name or a reversed range answered 200 with 0 photos, which reads as "no data" (exploratory pass).
            if (ApiTimes.EndsBeforeItStarts(ApiTimes.AssumeUtc(from), ApiTimes.AssumeUtc(to)))
            {
                errors["to"] = [ApiTimes.RangeReversed];
            }
            if (errors.Count > 0)
            {
                return Results.ValidationProblem(errors, title: "The request is not valid");
            }
            return Results.Ok(await comparison.CompareAsync(baseline!, candidate!, labels switch { "all" => ComparisonLabels.All, "blind" => ComparisonLabels.Blind, _ => ComparisonLabels.Final }, from, to, cancellationToken));
        })
            .Produces<ModelComparisonReport>()
            .ProducesValidationProblem()
            .WithSummary("Two models on the same photos against the labels people gave: accuracy, kappa, calibration, damage agreement.");
        return app;
    }

    private static async Task<IResult> ChangeAsync(Func<Task<RegisteredModelView>> change) => Results.Ok(await change());

    private static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The request is not valid");
}

/// <summary>The photo every uploaded model must handle sanely before it is accepted (a held-out synthetic sample, embedded).</summary>
public sealed class SamplePhoto
{
    public ReadOnlyMemory<byte> Bytes { get; } = Load();

    private static byte[] Load()
    {
        using var stream = typeof(SamplePhoto).Assembly.GetManifestResourceStream("validation-sample.jpg")
            ?? throw new InvalidOperationException("The embedded validation sample photo is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
