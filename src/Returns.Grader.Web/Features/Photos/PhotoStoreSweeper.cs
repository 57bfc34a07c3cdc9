using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Returns.Grader.Web.Data;

namespace Returns.Grader.Web.Features.Photos;

/// <summary>What one sweep did: names old enough to judge, and of those, the ones removed (no Photo row).</summary>
public sealed record SweepResult(int Examined, int Removed);

/// <summary>
/// Removes orphans from the photo store, at start and every <see cref="StorageOptions.SweepInterval"/>: photos written
/// whose row never committed (the process killed between the two, or a cleanup that failed) and interrupted writes
/// (<c>.partial</c>). Only what is older than <see cref="StorageOptions.OrphanMinAge"/> is judged, so an upload whose row
/// is about to commit is never touched. Several instances sweeping the same store at once only delete the same orphans.
/// </summary>
public sealed partial class PhotoStoreSweeper(
    IPhotoStore store, IDbContextFactory<GraderDb> dbFactory, IOptions<StorageOptions> options, TimeProvider clock,
    ILogger<PhotoStoreSweeper> logger) : BackgroundService
{
    /// <summary>Names checked against the Photo table per query (well under every provider's parameter limit).</summary>
    internal const int BatchSize = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // never hold up the app's start
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(stoppingToken);
                await Task.Delay(options.Value.SweepInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A store or database that is briefly away must not stop the host; the next sweep tries again.
                LogSweepFailed(logger, e, options.Value.SweepInterval);
                await Task.Delay(options.Value.SweepInterval, clock, stoppingToken);
            }
        }
    }

    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        var minAge = options.Value.OrphanMinAge;
        var cutoff = clock.GetUtcNow() - minAge;
        var (examined, removed) = (0, 0);
        var batch = new List<string>(BatchSize);
        await foreach (var entry in store.ListAsync(cancellationToken))
        {
            if (entry.LastModified > cutoff)
            {
                continue; // young: its row may be about to commit
            }
            batch.Add(entry.Key);
            if (batch.Count == BatchSize)
            {
                removed += await RemoveUnrecordedAsync(batch, cancellationToken);
                examined += batch.Count;
                batch.Clear();
            }
        }
        if (batch.Count > 0)
        {
            removed += await RemoveUnrecordedAsync(batch, cancellationToken);
            examined += batch.Count;
        }
        if (removed > 0)
        {
            LogSwept(logger, removed, examined, minAge);
        }
        else
        {
            LogNothingToSweep(logger, examined, minAge);
        }
        return new SweepResult(examined, removed);
    }

    private async Task<int> RemoveUnrecordedAsync(List<string> names, CancellationToken cancellationToken)
    {
        HashSet<string> recorded;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            recorded = (await db.Photos.AsNoTracking().Where(p => names.Contains(p.StorageKey)).Select(p => p.StorageKey)
                .ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        }
        var removed = 0;
        foreach (var name in names.Where(n => !recorded.Contains(n)))
        {
            await store.DeleteAsync(name, cancellationToken);
            LogRemoved(logger, name);
            removed++;
        }
        return removed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Photo store sweep removed {Removed} orphans of {Examined} stored names older than {MinAge}")]
    private static partial void LogSwept(ILogger logger, int removed, int examined, TimeSpan minAge);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Photo store sweep: no orphans among {Examined} stored names older than {MinAge}")]
    private static partial void LogNothingToSweep(ILogger logger, int examined, TimeSpan minAge);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Removed orphan {Name} from the photo store")]
    private static partial void LogRemoved(ILogger logger, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Photo store sweep failed; trying again in {Interval}")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception, TimeSpan interval);
}
