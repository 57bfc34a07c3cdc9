using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Infrastructure.Telemetry;

namespace Returns.Grader.Web.Features.Exports;

/// <summary>
/// Runs exports one at a time per node, oldest first. Every node sharing the database runs a worker: a node claims a job
/// with a lease in the database (a conditional update only one node can win), renews it while the job runs, and gives
/// it up when the job ends, so each export runs exactly once across the nodes. A running job whose lease lapsed was cut
/// short (its node stopped or died): it is started again from the beginning (its partial file deleted) up to
/// <see cref="ExportOptions.MaxAttempts"/> times, then failed visibly.
/// </summary>
public sealed partial class ExportWorker(
    IDbContextFactory<GraderDb> dbFactory, DatasetPackageWriter writer, ExportStorage storage, IPackageStore packages, IOptions<ExportOptions> options,
    TimeProvider clock, GraderMetrics metrics, ILogger<ExportWorker> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0);

    /// <summary>This worker's name in <see cref="ExportJob.LeaseOwner"/>: the machine, the process and this instance.</summary>
    public string NodeId { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>A new job is waiting: start now rather than at the next poll.</summary>
    public void Wake() => _wake.Release();

    public override void Dispose()
    {
        base.Dispose();
        _wake.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the app finish starting (migrations, the first requests) before a long export takes a core.
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await RunNextAsync(stoppingToken))
                {
                    await _wake.WaitAsync(await UntilNextDueAsync(stoppingToken), stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return; // the job stays "running" and is started again at the next start
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Whatever went wrong with one export must not stop the host (and with it grading): log, back off, go on.
                LogWorkerError(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    /// <summary>How long to wait for the next queued job to settle (at most the poll's 30 s; another node may take it first).</summary>
    private async Task<TimeSpan> UntilNextDueAsync(CancellationToken cancellationToken)
    {
        var poll = TimeSpan.FromSeconds(30);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var next = await db.ExportJobs.Where(j => j.Status == ExportStatus.Queued).OrderBy(j => j.Number)
            .Select(j => (DateTime?)j.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        if (next is null)
        {
            return poll;
        }
        var wait = next.Value + options.Value.SnapshotSettle - clock.GetUtcNow().UtcDateTime;
        // a little past the moment: the claim's query compares with a clock read after the wait
        return wait <= TimeSpan.Zero ? TimeSpan.FromSeconds(1) : TimeSpan.FromTicks(Math.Min(poll.Ticks, (wait + TimeSpan.FromMilliseconds(50)).Ticks));
    }

    /// <summary>
    /// Runs the oldest job no node holds, once its snapshot has settled (<see cref="ExportOptions.SnapshotSettle"/>);
    /// false when there is none.
    /// </summary>
    internal async Task<bool> RunNextAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var settledBefore = now - options.Value.SnapshotSettle;
        var job = await db.ExportJobs
            .Where(j => (j.Status == ExportStatus.Queued || j.Status == ExportStatus.Running) && (j.LeaseExpiresAt == null || j.LeaseExpiresAt < now)
                && j.CreatedAt <= settledBefore)
            .OrderBy(j => j.Number)
            .FirstOrDefaultAsync(cancellationToken);
        if (job is null)
        {
            await SweepLeftoversAsync(db, cancellationToken);
            return false;
        }
        // The claim is one conditional update: of two nodes that found the same job, the database lets one win.
        var claimed = await db.ExportJobs
            // not a job that ended meanwhile (its lease is cleared when it ends): claimed, its package was deleted and rerun
            .Where(j => j.Id == job.Id && (j.Status == ExportStatus.Queued || j.Status == ExportStatus.Running) && (j.LeaseExpiresAt == null || j.LeaseExpiresAt < now))
            .ExecuteUpdateAsync(u => u.SetProperty(j => j.LeaseOwner, NodeId).SetProperty(j => j.LeaseExpiresAt, now + options.Value.LeaseDuration), cancellationToken);
        if (claimed == 0)
        {
            return true; // another node took it: look for the next one
        }
        await db.Entry(job).ReloadAsync(cancellationToken);
        var name = DatasetPackageWriter.PackageName(job.Number);
        try
        {
            Directory.CreateDirectory(storage.Directory);
            await CleanUpAsync(name, includingPackage: true, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Before the attempt is counted, so it failed nowhere: the job was claimed again at every lapsed lease and
            // stayed "queued" with no error while the log repeated the exception (operator pass, 2026-12-05).
            LogFailed(logger, e, name);
            await FinishAsync(job, ExportStatus.Failed, FailureText(e), cancellationToken);
            return true;
        }
        if (job.Attempts >= options.Value.MaxAttempts)
        {
            await FinishAsync(job, ExportStatus.Failed,
                $"The export was interrupted {job.Attempts} times (the app stopped while it ran) and is not retried. Start a new export.", cancellationToken);
            return true;
        }

        ExportFilter filter;
        try
        {
            filter = JsonSerializer.Deserialize<ExportFilter>(job.FilterJson, ExportJobs.Json)
                ?? throw new JsonException("The stored filter is empty.");
        }
        catch (JsonException e)
        {
            await FinishAsync(job, ExportStatus.Failed, $"The export's stored filter cannot be read: {e.Message}", cancellationToken);
            return true;
        }
        // The attempt is counted before anything of the export runs: a job whose first query failed every time was
        // claimed again every minute without end, its attempts never counted (API pass, 2026-12-05).
        // Only while this node holds it: a job cancelled since the claim (its lease cleared) stays cancelled. The attempt
        // as a value, not "+ 1": SQL Server's retry strategy may run the statement again. The lease is renewed with it: one
        // that lapsed during the clean-up would let a second node start the same job.
        var startedAt = clock.GetUtcNow().UtcDateTime;
        var attempt = job.Attempts + 1;
        if (await db.ExportJobs.Where(j => j.Id == job.Id && j.LeaseOwner == NodeId)
                .ExecuteUpdateAsync(u => u.SetProperty(j => j.Status, ExportStatus.Running).SetProperty(j => j.Attempts, attempt)
                    .SetProperty(j => j.StartedAt, startedAt).SetProperty(j => j.ItemsDone, 0).SetProperty(j => j.Images, 0)
                    .SetProperty(j => j.LeaseExpiresAt, startedAt + options.Value.LeaseDuration), cancellationToken) == 0)
        {
            await LogStoppedAsync(job.Id, name);
            return true;
        }
        await db.Entry(job).ReloadAsync(cancellationToken);
        var started = clock.GetTimestamp();

        using var leaseLost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewal = RenewLeaseAsync(job.Id, leaseLost);
        try
        {
            job.ItemsTotal = await DatasetPackageWriter.Query(db, filter, job.CreatedAt).LongCountAsync(cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            LogStarted(logger, name, job.Attempts, job.ItemsTotal);
            var partial = storage.PartialPath(name);
            var counts = await writer.WriteAsync(job, filter, partial, storage.WorkPath(name), options.Value.SageMakerPrefix,
                async (items, images, ct) =>
                {
                    await using var progressDb = await dbFactory.CreateDbContextAsync(ct);
                    if (await progressDb.ExportJobs.Where(j => j.Id == job.Id && j.LeaseOwner == NodeId)
                        .ExecuteUpdateAsync(u => u.SetProperty(j => j.ItemsDone, items).SetProperty(j => j.Images, images), ct) == 0)
                    {
                        await leaseLost.CancelAsync(); // cancelled, or another node has it: stop at this batch
                        ct.ThrowIfCancellationRequested();
                    }
                },
                leaseLost.Token);

            string sha256;
            await using (var file = File.OpenRead(partial))
            {
                sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken));
            }
            var byteSize = new FileInfo(partial).Length;
            // Only the node that holds the job puts a package under its name. A node that stalled past its lease came back
            // here and published over the package of the node that took the job over, or, refused by the store, failed
            // and deleted it; the job then said "completed" with nothing to download (review of the export path,
            // 2026-12-06).
            if (!await HoldsAsync(job.Id, cancellationToken))
            {
                await LogStoppedAsync(job.Id, name);
                await CleanUpAsync(name, includingPackage: false, CancellationToken.None);
                return true;
            }
            // A package already there is one a node that lost the job left between its check and its publish: this
            // node holds the job, and its package is the one the job vouches for.
            await packages.DeleteAsync(name, leaseLost.Token);
            await packages.PublishAsync(name, partial, leaseLost.Token); // whole or not at all; consumes the partial file
            await CleanUpAsync(name, includingPackage: false, cancellationToken);

            job.ItemsDone = counts.Items;
            job.Images = counts.Images;
            job.Annotations = counts.Annotations;
            job.MissingPhotos = counts.MissingPhotos;
            job.Sha256 = sha256;
            job.ByteSize = byteSize;
            job.FileName = name + ".zip";
            if (!await FinishAsync(job, ExportStatus.Completed, null, cancellationToken))
            {
                // Cancelled as it was published: the package goes (nobody can download a cancelled export). Lost to
                // another node: the package is the same snapshot, and the node that holds the job records it.
                if (await LogStoppedAsync(job.Id, name))
                {
                    await packages.DeleteAsync(name, CancellationToken.None);
                }
                return true;
            }
            LogCompleted(logger, name, counts.Items, counts.Images, byteSize, sha256);
            metrics.ExportCompleted(clock.GetElapsedTime(started), byteSize);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException) when (leaseLost.IsCancellationRequested)
        {
            // Cancelled, or the claim lapsed (this node stalled past the lease) and another node has the job now: leave it.
            await LogStoppedAsync(job.Id, name);
            await CleanUpAsync(name, includingPackage: false, CancellationToken.None);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Any failure of this export (a full disk, a database error) fails it visibly; never the app. Only while this
            // node holds the job: the package under its name may be the new holder's, which this node must not delete.
            LogFailed(logger, e, name);
            await CleanUpAsync(name, includingPackage: false, CancellationToken.None); // this node's files, whatever comes next
            if (await HoldsAsync(job.Id, cancellationToken))
            {
                await packages.DeleteAsync(name, CancellationToken.None);
                await FinishAsync(job, ExportStatus.Failed, FailureText(e), cancellationToken);
            }
            else if (await CancelledAsync(job.Id))
            {
                // Cancelled after this node published (its finish then failed): nobody downloads a cancelled export's
                // package, and nothing else would remove it (review of the session's diff).
                await packages.DeleteAsync(name, CancellationToken.None);
            }
        }
        finally
        {
            await leaseLost.CancelAsync();
            await renewal;
        }
        return true;
    }

    /// <summary>
    /// What the job says went wrong, for the people who asked for it: the export's own refusals as they are; a disk or
    /// store failure in words without the server's paths (operator pass, 2026-12-05: "No space left on device :
    /// '/…/exports/…work/coco-images.json'" went out through the API); anything else by its kind. The log has the rest.
    /// </summary>
    internal static string FailureText(Exception e) => e switch
    {
        ExportFailedException => e.Message, // plain words by design
        _ when Infrastructure.DomainProblemException.In(e) is { } refusal => refusal.Message, // also wrapped (EF Core wraps an interceptor's)
        IOException or UnauthorizedAccessException => "The export failed: the server could not write or read its files (a full or unwritable disk, or the photo store not answering). Ask again once that is fixed; the server log has the details.",
        _ => $"The export failed ({e.GetType().Name}); the server log has the details. Ask again, and tell an administrator if it fails again.",
    };

    /// <summary>Whether this node still holds the job's claim (read fresh, not from the run's context).</summary>
    private async Task<bool> HoldsAsync(Guid jobId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ExportJobs.AnyAsync(j => j.Id == jobId && j.LeaseOwner == NodeId, cancellationToken);
    }

    /// <summary>Keeps this node's claim alive while the job runs (every third of the lease); cancels the run if it was lost.</summary>
    private async Task RenewLeaseAsync(Guid jobId, CancellationTokenSource run)
    {
        var lease = options.Value.LeaseDuration;
        while (!run.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(lease / 3, clock, run.Token);
                await using var db = await dbFactory.CreateDbContextAsync(run.Token);
                var renewed = await db.ExportJobs.Where(j => j.Id == jobId && j.LeaseOwner == NodeId)
                    .ExecuteUpdateAsync(u => u.SetProperty(j => j.LeaseExpiresAt, clock.GetUtcNow().UtcDateTime + lease), run.Token);
                if (renewed == 0)
                {
                    await run.CancelAsync();
                }
            }
            catch (OperationCanceledException)
            {
                return; // the run ended (or the app is stopping): nothing to renew
            }
            catch (Exception e)
            {
                // A database hiccup: the next try may succeed before the lease lapses; if none does, another node restarts
                // the job, and this node's next successful look finds the claim gone and stops.
                LogRenewalFailed(logger, e);
            }
        }
    }

    /// <summary>
    /// Ends the job (and audits it) if this node still holds it; false when it does not: cancelled meanwhile (a cancel
    /// clears the lease, and a finish must not turn a cancelled export back into a completed one), or lost to another node.
    /// </summary>
    private async Task<bool> FinishAsync(ExportJob job, ExportStatus status, string? error, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var audit = new AuditEvent
        {
            At = now, ActorId = job.RequestedById, ActorName = job.RequestedByName,
            Action = status == ExportStatus.Completed ? "export.completed" : "export.failed",
            EntityType = nameof(ExportJob), EntityId = job.Id.ToString(),
            DataJson = JsonSerializer.Serialize(new { job.Number, job.ItemsDone, job.Images, job.MissingPhotos, job.Sha256, Error = error }),
        };
        db.AuditEvents.Add(audit); // once: a retry of the unit below saves the same event, not a second one
        var ended = await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var updated = await db.ExportJobs.Where(j => j.Id == job.Id && j.LeaseOwner == NodeId).ExecuteUpdateAsync(u =>
            {
                u.SetProperty(j => j.Status, status).SetProperty(j => j.Error, error).SetProperty(j => j.FinishedAt, now)
                    .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresAt, (DateTime?)null);
                // A failed run's progress stays as it was recorded (the counts in memory are the start's zeros).
                if (status == ExportStatus.Completed)
                {
                    u.SetProperty(j => j.ItemsDone, job.ItemsDone).SetProperty(j => j.Images, job.Images).SetProperty(j => j.Annotations, job.Annotations)
                        .SetProperty(j => j.MissingPhotos, job.MissingPhotos).SetProperty(j => j.Sha256, job.Sha256).SetProperty(j => j.ByteSize, job.ByteSize)
                        .SetProperty(j => j.FileName, job.FileName);
                }
            }, cancellationToken);
            if (updated == 0)
            {
                return false;
            }
            await db.SaveChangesAsync(acceptAllChangesOnSuccess: false, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return true;
        });
        if (ended)
        {
            db.ChangeTracker.AcceptAllChanges();
        }
        return ended;
    }

    private async Task<bool> CancelledAsync(Guid jobId)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        return await db.ExportJobs.AnyAsync(j => j.Id == jobId && j.Status == ExportStatus.Cancelled, CancellationToken.None);
    }

    /// <summary>Logs why this node stopped the job: true when it was cancelled, false when another node holds it now.</summary>
    private async Task<bool> LogStoppedAsync(Guid jobId, string name)
    {
        var cancelled = await CancelledAsync(jobId);
        if (cancelled)
        {
            LogCancelled(logger, name);
        }
        else
        {
            LogLeaseLost(logger, name);
        }
        return cancelled;
    }

    /// <summary>
    /// Removes this node's partial zips and work folders of exports that have ended (cancelled, failed, completed) or are
    /// not known: a run cut short by a crash left them, and a job cancelled before it was claimed again is never run
    /// again to clean up (API fuzz, 2026-12-06: they stayed after the cancel). Queued and running jobs' files are theirs;
    /// a completed package (<c>.zip</c>) is never touched here.
    /// </summary>
    private async Task SweepLeftoversAsync(GraderDb db, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(storage.Directory))
        {
            return;
        }
        const string prefix = DatasetPackageWriter.PackagePrefix;
        var leftovers = Directory.EnumerateFiles(storage.Directory, prefix + "*.zip.partial")
            .Concat(Directory.EnumerateDirectories(storage.Directory, prefix + "*.work"))
            .Select(path => (Path: path, Number: int.TryParse(Path.GetFileName(path)[prefix.Length..].Split('.')[0], out var n) ? n : (int?)null)).ToList();
        if (leftovers.Count == 0)
        {
            return;
        }
        var numbers = leftovers.Where(l => l.Number is not null).Select(l => l.Number!.Value).Distinct().ToList();
        var live = await db.ExportJobs.Where(j => numbers.Contains(j.Number) && (j.Status == ExportStatus.Queued || j.Status == ExportStatus.Running))
            .Select(j => j.Number).ToListAsync(cancellationToken);
        foreach (var (path, number) in leftovers.Where(l => l.Number is { } n && !live.Contains(n)))
        {
            var file = Path.GetFileName(path);
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }
                else
                {
                    File.Delete(path);
                }
                LogLeftoverRemoved(logger, file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogLeftoverNotRemoved(logger, e, file); // tried again at the next idle moment
            }
        }
    }

    /// <summary>Removes what an interrupted or failed run left: the partial zip, the work folder (and a package no job vouches for).</summary>
    private async Task CleanUpAsync(string name, bool includingPackage, CancellationToken cancellationToken)
    {
        File.Delete(storage.PartialPath(name));
        if (Directory.Exists(storage.WorkPath(name)))
        {
            Directory.Delete(storage.WorkPath(name), recursive: true);
        }
        if (includingPackage)
        {
            await packages.DeleteAsync(name, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Export {Name} started (attempt {Attempt}, {Items} items)")]
    private static partial void LogStarted(ILogger logger, string name, int attempt, long items);

    [LoggerMessage(Level = LogLevel.Information, Message = "Export {Name} completed: {Items} items, {Images} photos, {Bytes} bytes, sha256 {Sha256}")]
    private static partial void LogCompleted(ILogger logger, string name, long items, long images, long bytes, string sha256);

    [LoggerMessage(Level = LogLevel.Error, Message = "Export {Name} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Export {Name}: this node's claim lapsed and another node runs it now; stopped here")]
    private static partial void LogLeaseLost(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {File}, left by an export that has ended")]
    private static partial void LogLeftoverRemoved(ILogger logger, string file);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove {File}, left by an export that has ended; trying again later")]
    private static partial void LogLeftoverNotRemoved(ILogger logger, Exception exception, string file);

    [LoggerMessage(Level = LogLevel.Information, Message = "Export {Name} was cancelled; stopped, and its files removed")]
    private static partial void LogCancelled(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing an export's claim failed; trying again")]
    private static partial void LogRenewalFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The export worker hit an error; retrying in 5 s")]
    private static partial void LogWorkerError(ILogger logger, Exception exception);
}
