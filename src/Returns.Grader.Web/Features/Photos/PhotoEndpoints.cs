using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Returns.Grader.Vision.Photos;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Items;
using Returns.Grader.Web.Features.Models;
using Returns.Grader.Web.Infrastructure;
using Returns.Grader.Web.Infrastructure.Telemetry;

namespace Returns.Grader.Web.Features.Photos;

/// <param name="Warnings">What the quality check found ("dark", "blurred", "overexposed", and "small" from the model: retake it); empty when nothing.</param>
/// <param name="SetAside">Why the photo does not count for the item: the same photo, sent again, was set aside before (ADR 0052); null when it counts.</param>
public sealed record PhotoUploadResult(Guid PhotoId, int Width, int Height, string Url, Suggestion? Suggestion, IReadOnlyList<string>? Warnings = null,
    PhotoSetAsideReason? SetAside = null);

public sealed record PhotoUploadResponse(IReadOnlyList<PhotoUploadResult> Photos);

/// <param name="Reason">wrong_item (it shows another item) or unusable (it shows nothing that can be graded).</param>
/// <param name="ItemVersion">The item's version as the caller saw it: changed since, the set-aside is refused (409).</param>
public sealed record SetAsideRequest(string? Reason, Guid? ItemVersion = null);

public static class PhotoEndpoints
{
    public static IEndpointRouteBuilder MapPhotoEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Photos");
        var limits = app.ServiceProvider.GetRequiredService<IOptions<PhotoOptions>>().Value;

        api.MapPost("/returns/{id}/photos", UploadAsync)
            .RequireAuthorization(Policies.Grading)
            .RequireRateLimiting(RateLimitPolicies.Uploads)
            .AddEndpointFilter<CookieAntiforgeryFilter>()
            .DisableAntiforgery() // checked by CookieAntiforgeryFilter for cookie callers only; key/bearer callers carry no ambient credentials
            .Accepts<IFormFileCollection>("multipart/form-data")
            .Produces<PhotoUploadResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status408RequestTimeout)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Adds one or more photos (multipart parts named \"file\"); each is decoded, checked and re-encoded before it is kept.")
            .WithMetadata(new BodySizeLimit(limits.MaxRequestBytes));

        api.MapGet("/photos/{photoId}", GetAsync)
            .RequireAuthorization(Policies.Staff)
            .Produces(StatusCodes.Status200OK, contentType: "image/jpeg")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesValidationProblem()
            .WithSummary("The stored, sanitized photo; ?size=160|320|640 gives a thumbnail with that long side.");

        // A photo of another item (or of nothing) is set aside, never deleted: it stays stored and audited, and is put
        // back with DELETE (ADR 0052).
        api.MapPut("/photos/{photoId}/set-aside", SetAsideAsync)
            .RequireAuthorization(Policies.Grading)
            .RequireRateLimiting(RateLimitPolicies.Grades)
            .AddEndpointFilter<CookieAntiforgeryFilter>()
            .Produces<PhotoSetAsideState>(StatusCodes.Status200OK)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Sets a photo aside (reason wrong_item or unusable): it no longer counts for its item's suggestion, exports or new boxes; the item gets a new version.");
        api.MapDelete("/photos/{photoId}/set-aside", PutBackAsync)
            .RequireAuthorization(Policies.Grading)
            .RequireRateLimiting(RateLimitPolicies.Grades)
            .AddEndpointFilter<CookieAntiforgeryFilter>()
            .Produces<PhotoSetAsideState>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Puts a set-aside photo back among its item's photos; the item gets a new version.");
        return app;
    }

    private static async Task<IResult> UploadAsync(
        Guid id, HttpRequest request, PhotoIntake intake, ReturnItems items, IOptions<PhotoOptions> options, GraderMetrics metrics, HttpContext http,
        CancellationToken cancellationToken)
    {
        var limits = options.Value;
        if (!request.HasFormContentType)
        {
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Send photos as multipart/form-data",
                detail: "Photos are uploaded as multipart/form-data with one or more parts named \"file\".");
        }

        var (form, unreadable) = await MultipartForms.ReadAsync(request, cancellationToken);
        if (form is null)
        {
            return unreadable!;
        }

        var files = form.Files.GetFiles("file");
        // A "file" part without a filename is a text field, not a file: it was told to add a part named "file" (security
        // pass, 2026-12-07).
        if (files.Count == 0 && form.ContainsKey("file"))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]>
            {
                ["file"] = ["The part named \"file\" has no filename, so it is not a file: send the photo as a file (Content-Disposition: form-data; name=\"file\"; filename=\"photo.jpg\")."],
            }, title: "The upload is not valid");
        }
        if (files.Count == 0)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "No photo in the upload",
                detail: "Add at least one multipart part named \"file\".");
        }
        // A part the upload does not read is refused, not dropped: a photo sent as "files" beside one sent as "file" was left
        // out without a word (security pass, 2026-12-07). Nothing of the upload is kept.
        var unread = form.Files.Select(f => f.Name).Concat(form.Keys)
            .Where(name => name != "file" && name != "__RequestVerificationToken").Distinct(StringComparer.Ordinal).ToList();
        if (unread.Count > 0)
        {
            return Results.ValidationProblem(unread.ToDictionary(name => name, name => new[] { $"Only parts named \"file\" are read; \"{name}\" would be left out. Send each photo as a part named \"file\"." }),
                title: "The upload is not valid");
        }
        if (files.Count > limits.MaxFilesPerRequest)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Too many photos at once",
                detail: $"Send at most {limits.MaxFilesPerRequest} photos per request.");
        }

        var incoming = new List<IncomingPhoto>(files.Count);
        foreach (var file in files)
        {
            if (file.Length > limits.MaxBytes)
            {
                metrics.PhotoRejected(PhotoRejection.TooManyBytes);
                throw new PhotoUploadRejectedException(file.FileName, PhotoRejection.TooManyBytes,
                    $"The file is {file.Length / (1024.0 * 1024.0):0.#} MB; photos may be at most {limits.MaxBytes / (1024.0 * 1024.0):0.#} MB.");
            }
            // Read once into an array of the file's size: a MemoryStream and its ToArray held each photo twice, and ten
            // 25 MB files three requests at a time took the process up by 1.2 GB (API pass, 2026-12-05).
            var bytes = new byte[file.Length];
            await using (var stream = file.OpenReadStream())
            {
                await stream.ReadExactlyAsync(bytes, cancellationToken);
            }
            incoming.Add(new IncomingPhoto(file.FileName, bytes));
        }

        // A file that is not a usable photo (400/413/415) and a full intake (503 + Retry-After) are the intake's
        // exceptions, answered by DomainProblemHandler.
        var results = await intake.AddAsync(id, incoming, Actor.From(http.User), cancellationToken);
        if (results is null)
        {
            return ApiProblems.ItemNotFound(id);
        }
        // A grader uploading to a blind item gets no suggestion back: the station's script would have it (ADR 0022).
        var blind = items.HidesSuggestionFrom(id, http.User);
        var body = new PhotoUploadResponse(results.Select(r =>
            new PhotoUploadResult(r.Photo.Id, r.Photo.Width, r.Photo.Height, PhotoUrl(r.Photo.Id), blind ? null : r.Suggestion,
                PhotoSummary.WarningsOf(r.Photo.QualityWarnings), r.Photo.SetAsideReason)).ToList());
        return Results.Created($"/api/v1/returns/{id}", body);
    }

    private static async Task<IResult> SetAsideAsync(Guid photoId, SetAsideRequest? request, PhotoSetAside photos, HttpContext http, CancellationToken cancellationToken)
    {
        if (!WireName<PhotoSetAsideReason>.TryParse(request?.Reason, out var reason))
        {
            return ApiProblems.InvalidField("reason", $"Say why the photo is set aside: one of {string.Join(", ", WireName<PhotoSetAsideReason>.All)}.");
        }
        return await photos.SetAsideAsync(photoId, reason, Actor.From(http.User), request!.ItemVersion, cancellationToken) is { } state
            ? Results.Ok(state)
            : NoSuchPhoto(photoId);
    }

    private static async Task<IResult> PutBackAsync(Guid photoId, Guid? itemVersion, PhotoSetAside photos, HttpContext http, CancellationToken cancellationToken) =>
        await photos.PutBackAsync(photoId, Actor.From(http.User), itemVersion, cancellationToken) is { } state ? Results.Ok(state) : NoSuchPhoto(photoId);

    private static IResult NoSuchPhoto(Guid photoId) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such photo", detail: $"There is no photo {photoId}.");

    public static string PhotoUrl(Guid photoId) => $"/api/v1/photos/{photoId}";

    /// <summary>Thumbnail sizes the endpoint makes (long side, px); anything else gets the stored photo.</summary>
    public static readonly int[] ThumbnailSizes = [160, 320, 640];

    private static async Task<IResult> GetAsync(
        Guid photoId, int? size, IDbContextFactory<GraderDb> dbFactory, IPhotoStore store, HttpContext http, CancellationToken cancellationToken)
    {
        if (size is { } requested && !ThumbnailSizes.Contains(requested))
        {
            return ApiProblems.InvalidField("size", $"Use one of {string.Join(", ", ThumbnailSizes)}, or no size for the stored photo.");
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var photo = await db.Photos.AsNoTracking().Where(p => p.Id == photoId)
            .Select(p => new { p.StorageKey, p.ContentType, p.Sha256 }).SingleOrDefaultAsync(cancellationToken);
        if (photo is null)
        {
            return NoSuchPhoto(photoId);
        }
        var stream = await store.OpenReadAsync(photo.StorageKey, cancellationToken);
        if (stream is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Photo file missing",
                detail: $"Photo {photoId} is recorded but its file is not in the photo store.");
        }
        // Stored photos never change: cache privately (signed-in content) and revalidate by content hash.
        var etag = new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{photo.Sha256}{(size is null ? "" : $"-{size}")}\"");
        // Signed-in content: browsers may keep it, shared caches and proxies may not.
        http.Response.Headers.CacheControl = "private, no-cache";
        if (size is not { } thumbnailSize)
        {
            return Results.Stream(stream, photo.ContentType, entityTag: etag, enableRangeProcessing: false);
        }
        await using (stream)
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken);
            var thumbnail = PhotoSanitizer.Thumbnail(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), thumbnailSize, quality: 80);
            return Results.File(thumbnail.Jpeg, "image/jpeg", entityTag: etag);
        }
    }

    /// <summary>Kestrel's body limit for this endpoint: the most photos a request may carry, at their largest.</summary>
}
