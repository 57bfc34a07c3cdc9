using Microsoft.Extensions.Options;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Photos;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Exports;

public static class ExportRegistration
{
    public static WebApplicationBuilder AddGraderExports(this WebApplicationBuilder builder)
    {
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddOptions<ExportOptions>().BindConfigurationStrictly(ExportOptions.Section).ValidateDataAnnotations()
            .Validate(o => development || o.SnapshotSettle >= ExportOptions.ShortestSettle,
                $"Grader:Exports:SnapshotSettle must be at least {ExportOptions.ShortestSettle.TotalSeconds:0} s outside Development: a grade may reach " +
                $"its commit up to {Infrastructure.RowStamps.LatestCommitAfterStamp.TotalSeconds:0} s after its stamp, and an export started sooner can leave it out (ADR 0048).")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => ExportStorage.Usable(Path.GetFullPath(Path.Combine(
            sp.GetRequiredService<IOptions<GraderOptions>>().Value.ResolveDataDirectory(sp.GetRequiredService<IWebHostEnvironment>().ContentRootPath),
            sp.GetRequiredService<IOptions<ExportOptions>>().Value.Directory))));
        // Completed packages go where the photos go (Grader:Storage:Provider); the local folder above is their workspace.
        builder.Services.AddSingleton<IPackageStore>(sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value.Provider == StorageProvider.AzureBlob
            ? new AzureBlobPackageStore(sp.GetRequiredService<Azure.Storage.Blobs.BlobContainerClient>())
            : new FileSystemPackageStore(sp.GetRequiredService<ExportStorage>()));
        builder.Services.AddSingleton<DatasetPackageWriter>();
        builder.Services.AddSingleton<ExportWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ExportWorker>());
        builder.Services.AddSingleton<ExportJobs>();
        return builder;
    }

    public static IEndpointRouteBuilder MapExportEndpoints(this IEndpointRouteBuilder app)
    {
        var exports = app.MapGroup("/api/v1/exports").WithTags("Exports").RequireAuthorization(Policies.DataTeam);

        exports.MapPost("", async (ExportRequest? request, ExportJobs jobs, HttpContext http, CancellationToken cancellationToken) =>
        {
            if (request is null)
            {
                // No body, or JSON null: it started an export of every graded item, while [] was refused (API fuzz, 2026-12-06).
                return Results.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["body"] = ["Send the export's filters as a JSON object: {} exports every graded item."],
                }, title: "The export's filters are not valid");
            }
            var filter = ExportFilter.Parse(request, out var errors);
            if (errors.Count > 0)
            {
                return Results.ValidationProblem(errors, title: "The export's filters are not valid");
            }
            var export = await jobs.CreateAsync(filter, Actor.From(http.User), cancellationToken);
            return Results.Accepted($"/api/v1/exports/{export.Id}", export);
        })
            .RequireRateLimiting(RateLimitPolicies.Exports)
            .AddEndpointFilter<CookieAntiforgeryFilter>() // a cookie caller must carry the antiforgery token (ADR 0005)
            .Produces<ExportView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesValidationProblem()
            .WithSummary("Starts an export in the background: a versioned dataset package (zip) of each matching item's current label (prefilled grades left as they were are marked grade_prefilled).");

        exports.MapGet("", async (ExportJobs jobs, CancellationToken cancellationToken) => Results.Ok(await jobs.ListAsync(50, cancellationToken)))
            .Produces<IReadOnlyList<ExportView>>()
            .WithSummary("The latest 50 exports, newest first.");

        exports.MapGet("/{id}", async (Guid id, ExportJobs jobs, CancellationToken cancellationToken) =>
            await jobs.FindAsync(id, cancellationToken) is { } export ? Results.Ok(export) : NotFound(id))
            .Produces<ExportView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("An export's status (queued, running, completed, failed, cancelled), progress, counts and sha256; startsAt while queued.");

        exports.MapPost("/{id}/cancel", async (Guid id, ExportJobs jobs, HttpContext http, CancellationToken cancellationToken) =>
        {
            var (export, cancelled) = await jobs.CancelAsync(id, Actor.From(http.User), cancellationToken);
            return export is null ? NotFound(id)
                : cancelled ? Results.Ok(export)
                : Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The export has already ended",
                    detail: $"Export {export.Name} is {WireName<ExportStatus>.Of(export.Status)}; there is nothing to cancel.");
        })
            .AddEndpointFilter<CookieAntiforgeryFilter>()
            .Produces<ExportView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Cancels a queued or running export: a queued one never starts, a running one stops at its next batch and leaves no package.");

        exports.MapGet("/{id}/download", async (Guid id, ExportJobs jobs, HttpContext http, CancellationToken cancellationToken) =>
        {
            if (await jobs.FindAsync(id, cancellationToken) is not { } export)
            {
                return NotFound(id);
            }
            if (export.Status is ExportStatus.Failed or ExportStatus.Cancelled)
            {
                // "download it once it is completed" of one that never will be (multi-node pass, 2026-12-07)
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The export has no package",
                    detail: $"Export {export.Name} {(export.Status == ExportStatus.Failed ? "failed" : "was cancelled")} and has no package to download. Start a new export.",
                    extensions: new Dictionary<string, object?> { ["reason"] = export.Status == ExportStatus.Failed ? "export_failed" : "export_cancelled" });
            }
            if (export.Status != ExportStatus.Completed)
            {
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The export is not ready",
                    detail: $"Export {export.Name} is {WireName<ExportStatus>.Of(export.Status)}; download it once it is completed.");
            }
            if (await jobs.OpenPackageAsync(export, cancellationToken) is not { } package)
            {
                return Results.Problem(statusCode: StatusCodes.Status410Gone, title: "The package file is gone",
                    detail: $"Export {export.Name} completed, but its package is no longer in the store. Start a new export.");
            }
            // RFC 9530: the receiver can check the bytes it got against the sha256 the export recorded.
            http.Response.Headers["Repr-Digest"] = $"sha-256=:{Convert.ToBase64String(Convert.FromHexString(export.Sha256!))}:";
            // Streamed from the store (file or blob); the stream is seekable, so ranges work (a resumed download).
            return Results.Stream(package, "application/zip", export.Name + ".zip", enableRangeProcessing: true,
                entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{export.Sha256}\""));
        })
            .Produces(StatusCodes.Status200OK, contentType: "application/zip")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("The completed package (zip); Repr-Digest and ETag carry its sha256.");
        return app;
    }

    private static IResult NotFound(Guid id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such export", detail: $"There is no export {id}.");
}
