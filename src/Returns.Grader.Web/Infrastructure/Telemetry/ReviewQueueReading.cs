using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Returns.Grader.Web.Data;

namespace Returns.Grader.Web.Infrastructure.Telemetry;

/// <summary>
/// The review queue's size and oldest task for the gauges. A collection (a Prometheus scrape, an OTLP export) reads
/// the database at most once per <see cref="CacheFor"/>; the oldest task's age is worked out at each collection, so it
/// keeps growing between reads. Never throws into the SDK: an unreadable database leaves the gauges without a value
/// (a gap, not a misleading zero) and is logged.
/// </summary>
public sealed partial class ReviewQueueReading(IDbContextFactory<GraderDb> dbFactory, TimeProvider clock, ILogger<ReviewQueueReading> logger)
{
    internal static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(15);

    /// <summary>Collection callbacks run on the exporter's or the scrape's thread: a slow database must not hold it long.</summary>
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private Reading? _last;
    private long _readAt;
    private bool _read;

    private sealed record Reading(long Open, DateTime? OldestCreatedAt);

    public IEnumerable<Measurement<long>> OpenTasks() =>
        Current() is { } reading ? [new Measurement<long>(reading.Open)] : [];

    public IEnumerable<Measurement<double>> OldestAge()
    {
        if (Current() is not { } reading)
        {
            return [];
        }
        var age = reading.OldestCreatedAt is { } oldest ? (clock.GetUtcNow().UtcDateTime - oldest).TotalSeconds : 0;
        return [new Measurement<double>(Math.Max(0, age))];
    }

    private Reading? Current()
    {
        lock (_gate)
        {
            if (_read && clock.GetElapsedTime(_readAt) < CacheFor)
            {
                return _last;
            }
            try
            {
                using var db = dbFactory.CreateDbContext();
                db.Database.SetCommandTimeout(QueryTimeout);
                var open = db.ReviewTasks.AsNoTracking().Where(t => t.Status == ReviewStatus.Open);
                // Two indexed queries ({Status, CreatedAt}); the same shapes QualityMetrics uses on every provider.
                _last = new Reading(open.LongCount(), open.OrderBy(t => t.CreatedAt).Select(t => (DateTime?)t.CreatedAt).FirstOrDefault());
            }
            catch (Exception e)
            {
                // Whatever the database does, the collection goes on with the other instruments.
                LogUnreadable(logger, e);
                _last = null;
            }
            // A failure is cached too: a database that is down is not asked again at every scrape.
            (_read, _readAt) = (true, clock.GetTimestamp());
            return _last;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The review queue gauges could not read the database; no value until the next try")]
    private static partial void LogUnreadable(ILogger logger, Exception exception);
}
