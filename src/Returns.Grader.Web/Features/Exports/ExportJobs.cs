using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;

namespace Returns.Grader.Web.Features.Exports;

/// <summary>
/// An export as the API and the page show it. <c>StartsAt</c>, while it is queued: when its snapshot (<c>CreatedAt</c>)
/// has settled and a node may start it (ADR 0048).
/// </summary>
public sealed record ExportView(
    Guid Id, int Number, string Name, ExportStatus Status, ExportFilter Filter, string Description, string RequestedBy,
    DateTime CreatedAt, DateTime? StartsAt, DateTime? StartedAt, DateTime? FinishedAt, int Attempts, long ItemsTotal, long ItemsDone, double Progress,
    long Images, long Annotations, long MissingPhotos, string? Sha256, long? ByteSize, string? Error, string? DownloadUrl);

/// <summary>
/// The local folder where packages are written (<c>Grader:Exports:Directory</c>): their partial files and work folders
/// and, on the file-system store, the completed packages themselves (<see cref="FileSystemPackageStore"/>).
/// </summary>
public sealed class ExportStorage(string directory)
{
    public string Directory { get; } = directory;

    public string PackagePath(string name) => Path.Combine(Directory, name + ".zip");

    /// <summary>Written here, renamed to <see cref="PackagePath"/> only once complete and hashed: no half file looks complete.</summary>
    public string PartialPath(string name) => Path.Combine(Directory, name + ".zip.partial");

    public string WorkPath(string name) => Path.Combine(Directory, name + ".work");

    /// <summary>
    /// The folder, made if it is not there, or a refusal at start naming the setting: a path the app cannot create (a
    /// file in its way, no permission) left every export queued without a word (operator pass, 2026-12-05).
    /// </summary>
    public static ExportStorage Usable(string directory)
    {
        Infrastructure.Folders.MakeOrRefuse(directory, "Grader:Exports:Directory", "for exports", ExportOptions.Section, typeof(ExportOptions));
        return new ExportStorage(directory);
    }
}

/// <summary>Asks for exports and reads them back; the <see cref="ExportWorker"/> does the writing.</summary>
public sealed class ExportJobs(
    IDbContextFactory<GraderDb> dbFactory, ExportWorker worker, IPackageStore packages, IOptions<ExportOptions> options, TimeProvider clock)
{
    /// <summary>
    /// The stored filter's JSON. Letters outside ASCII are kept as they are: the default encoder wrote each as \uXXXX,
    /// six characters, so ten Cyrillic categories of 100 letters overflowed the 4 000-character column on PostgreSQL and
    /// SQL Server and the request answered 500 (review of exports, 2026-12-06). The text is never put into HTML.
    /// </summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>How many characters <paramref name="text"/> takes in the stored filter (a quote or a backslash counts twice).</summary>
    internal static int StoredLength(string text) => JsonEncodedText.Encode(text, Json.Encoder).Value.Length;

    /// <summary>How many items an export with this filter would hold if it started now (the snapshot is "now").</summary>
    public async Task<long> CountAsync(ExportFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await DatasetPackageWriter.Query(db, filter, clock.GetUtcNow().UtcDateTime).LongCountAsync(cancellationToken);
    }

    /// <summary>
    /// The filter's categories that no item has, in any case: they add nothing to an export, and a misspelt one was
    /// passed over without a word (exploratory pass, 2026-12-06: "toys, KITCHEN , nosuch" counted as "toys, kitchen").
    /// </summary>
    public async Task<IReadOnlyList<string>> UnknownCategoriesAsync(ExportFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Categories.Count == 0)
        {
            return [];
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var known = new HashSet<string>(await db.ReturnItems.AsNoTracking().Select(i => i.Category).Distinct().ToListAsync(cancellationToken),
            StringComparer.OrdinalIgnoreCase);
        return [.. filter.Categories.Where(c => !known.Contains(c))];
    }

    /// <summary>
    /// The model versions an export can be filtered by: every registered model that has been the one in use (the filter
    /// counts the suggestions graders saw, never a shadow model's), the most recently activated first, spelt as predictions
    /// stamp them (name@version). The page offers them to choose from: typed, "4.1.1" matched no prediction (they are
    /// "grader-vit-v1@4.1.1") and the export came out empty, with nothing to say why; a model only ever in shadow would
    /// have done the same (review of the session's diff).
    /// </summary>
    public async Task<IReadOnlyList<string>> ModelVersionsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.RegisteredModels.AsNoTracking().Where(m => m.ActivatedAt != null || m.State == ModelState.Active)
            .OrderByDescending(m => m.ActivatedAt).ThenBy(m => m.ModelVersion)
            .Select(m => m.ModelVersion).ToListAsync(cancellationToken);
    }

    /// <summary>Rounds of "take the next number" one request may lose to others asked at the same moment.</summary>
    private const int MaxNumberAttempts = 30;

    /// <summary>Queues an export (version = the next number) and wakes the worker; audited.</summary>
    public async Task<ExportView> CreateAsync(ExportFilter filter, Actor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(actor);
        var now = clock.GetUtcNow().UtcDateTime;
        var filterJson = JsonSerializer.Serialize(filter, Json);
        // The version number is the next one; two requests at the same moment can pick the same number, and the unique
        // index refuses the second: it simply takes the next number. Each round one of the requests racing wins, so the
        // attempts must outnumber the requests that can arrive together (six at once on two nodes lost a request to a
        // 500 with five attempts: TwoNodeTests, 2026-12-03), and a little jitter keeps the losers from meeting again.
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var number = (await db.ExportJobs.MaxAsync(j => (int?)j.Number, cancellationToken) ?? 0) + 1;
            var job = new ExportJob
            {
                Id = Guid.CreateVersion7(),
                Number = number,
                Status = ExportStatus.Queued,
                FilterJson = filterJson,
                RequestedById = actor.Id,
                RequestedByName = actor.Name,
                CreatedAt = now,
            };
            db.ExportJobs.Add(job);
            db.AuditEvents.Add(new AuditEvent
            {
                At = now, ActorId = actor.Id, ActorName = actor.Name, Action = "export.requested", EntityType = nameof(ExportJob),
                EntityId = job.Id.ToString(), DataJson = filterJson,
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken); // one statement batch, one transaction
            }
            catch (DbUpdateException) when (attempt < MaxNumberAttempts)
            {
                if (!await NumberTakenAsync(number, cancellationToken))
                {
                    throw;
                }
                await Task.Delay(Random.Shared.Next(1, 10 * attempt), cancellationToken);
                continue;
            }
            worker.Wake();
            return ToView(job);
        }
    }

    private async Task<bool> NumberTakenAsync(int number, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ExportJobs.AnyAsync(j => j.Number == number, cancellationToken);
    }

    /// <summary>
    /// Cancels a queued or running export (audited): a queued one never starts; the node running one stops at its next
    /// batch and removes its files. Null when there is no such export; the export as it is when it had already ended.
    /// </summary>
    public async Task<(ExportView? Export, bool Cancelled)> CancelAsync(Guid id, Actor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.AuditEvents.Add(new AuditEvent // once: a retry of the unit below saves the same event, not a second one
        {
            At = now, ActorId = actor.Id, ActorName = actor.Name, Action = "export.cancelled", EntityType = nameof(ExportJob), EntityId = id.ToString(),
        });
        var cancelled = await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // One conditional update: a job that completed or failed meanwhile is left as it ended. The lease is cleared,
            // so the node running it finds it no longer holds it (ExportWorker).
            var ended = await db.ExportJobs.Where(j => j.Id == id && (j.Status == ExportStatus.Queued || j.Status == ExportStatus.Running))
                .ExecuteUpdateAsync(u => u.SetProperty(j => j.Status, ExportStatus.Cancelled).SetProperty(j => j.FinishedAt, now)
                    .SetProperty(j => j.Error, $"Cancelled by {actor.Name}.")
                    .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null), cancellationToken);
            if (ended == 0)
            {
                return false;
            }
            await db.SaveChangesAsync(acceptAllChangesOnSuccess: false, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return true;
        });
        return (await FindAsync(id, cancellationToken), cancelled);
    }

    public async Task<ExportView?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var job = await db.ExportJobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == id, cancellationToken);
        return job is null ? null : ToView(job);
    }

    public async Task<IReadOnlyList<ExportView>> ListAsync(int take, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var jobs = await db.ExportJobs.AsNoTracking().OrderByDescending(j => j.Number).Take(take).ToListAsync(cancellationToken);
        return jobs.Select(ToView).ToList();
    }

    /// <summary>The completed package (a seekable stream), or null when the export is not completed (or its package is gone).</summary>
    public async Task<Stream?> OpenPackageAsync(ExportView export, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(export);
        return export.Status == ExportStatus.Completed ? await packages.OpenReadAsync(export.Name, cancellationToken) : null;
    }

    internal ExportView ToView(ExportJob job)
    {
        var filter = JsonSerializer.Deserialize<ExportFilter>(job.FilterJson, Json)!;
        return new ExportView(
            job.Id, job.Number, DatasetPackageWriter.PackageName(job.Number), job.Status, filter, filter.Describe(), job.RequestedByName,
            job.CreatedAt, job.Status == ExportStatus.Queued ? job.CreatedAt + options.Value.SnapshotSettle : null, job.StartedAt, job.FinishedAt, job.Attempts, job.ItemsTotal, job.ItemsDone,
            job.Status == ExportStatus.Completed ? 1 : job.ItemsTotal == 0 ? 0 : Math.Round((double)job.ItemsDone / job.ItemsTotal, 4),
            job.Images, job.Annotations, job.MissingPhotos, job.Sha256, job.ByteSize, job.Error,
            job.Status == ExportStatus.Completed ? $"/api/v1/exports/{job.Id}/download" : null);
    }
}
