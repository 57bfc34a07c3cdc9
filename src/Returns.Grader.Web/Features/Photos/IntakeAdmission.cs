using System.Diagnostics;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Photos;

/// <summary>Photo intake is full: the caller should come back after <see cref="RetryAfter"/>. Nothing was kept.</summary>
public sealed class IntakeBusyException(TimeSpan retryAfter, string reason)
    : DomainProblemException($"More photos are arriving than this server can grade right now, so this one was not kept. Send it again in {Seconds(retryAfter)} s.")
{
    public TimeSpan RetryAfter { get; } = retryAfter;

    /// <summary>"queue_full" (turned away at once) or "wait_expired" (waited <c>MaxQueueWait</c> in vain).</summary>
    public string Reason { get; } = reason;

    public override int Status => StatusCodes.Status503ServiceUnavailable;
    public override string Title => "Busy: too many photos at once";

    public override IReadOnlyDictionary<string, object?> Extensions =>
        new Dictionary<string, object?> { ["retryAfterSeconds"] = Seconds(RetryAfter), ["reason"] = Reason };

    /// <summary>503 with Retry-After: the station waits that long and sends the same photo again.</summary>
    public override IReadOnlyDictionary<string, string> Headers =>
        new Dictionary<string, string> { ["Retry-After"] = Seconds(RetryAfter).ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private static int Seconds(TimeSpan wait) => (int)Math.Ceiling(wait.TotalSeconds);
}

/// <summary>
/// Load shedding in front of decode + inference (issue 19): at most <c>MaxConcurrentPhotos</c> photos are worked on,
/// at most <c>MaxQueuedPhotos</c> wait, none waits longer than <c>MaxQueueWait</c>; beyond that the caller is told
/// "busy, retry after N s" at once instead of queuing without bound (measured before: at 6 photos/s on 2 cores the
/// median photo waited 46 s). Built on the runtime's <see cref="ConcurrencyLimiter"/> (ADR 0021).
/// </summary>
public sealed class IntakeAdmission : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;
    private readonly PhotoOptions _options;

    // Seconds one photo holds its permit, smoothed; seeds the Retry-After estimate. The seed is a 12 MP photo on one
    // core (docs/benchmarks.md): pessimistic until the first photos are measured.
    private double _secondsPerPhoto = 0.5;
    private readonly Lock _estimateLock = new();

    public IntakeAdmission(IOptions<PhotoOptions> options)
    {
        _options = options.Value;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = _options.MaxConcurrentPhotos,
            QueueLimit = _options.MaxQueuedPhotos,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>Photos waiting for their turn now.</summary>
    public long Queued => _limiter.GetStatistics()?.CurrentQueuedCount ?? 0;

    /// <summary>
    /// Waits for room for <paramref name="photos"/> photos (a request with more photos than can run at once takes
    /// the whole pipeline), or throws <see cref="IntakeBusyException"/>. Dispose the result when the photos are done.
    /// </summary>
    public async Task<IDisposable> EnterAsync(int photos, CancellationToken cancellationToken)
    {
        var permits = Math.Clamp(photos, 1, _options.MaxConcurrentPhotos);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(_options.MaxQueueWait);
        RateLimitLease lease;
        try
        {
            lease = await _limiter.AcquireAsync(permits, wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IntakeBusyException(RetryAfter(), "wait_expired");
        }
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            throw new IntakeBusyException(RetryAfter(), "queue_full");
        }
        return new Admitted(this, lease, permits, photos);
    }

    /// <summary>About how long the photos queued now need to drain, in whole seconds (at least one).</summary>
    private TimeSpan RetryAfter()
    {
        double perPhoto;
        lock (_estimateLock)
        {
            perPhoto = _secondsPerPhoto;
        }
        var drain = (Queued + 1) * perPhoto / _options.MaxConcurrentPhotos;
        return TimeSpan.FromSeconds(Math.Clamp(Math.Ceiling(drain), 1, 60));
    }

    /// <summary>Permit-seconds per photo: what one more queued photo adds to the drain time.</summary>
    private void Observe(TimeSpan held, int permits, int photos)
    {
        var perPhoto = held.TotalSeconds * permits / Math.Max(1, photos);
        lock (_estimateLock)
        {
            _secondsPerPhoto = 0.8 * _secondsPerPhoto + 0.2 * perPhoto;
        }
    }

    public void Dispose() => _limiter.Dispose();

    private sealed class Admitted(IntakeAdmission owner, RateLimitLease lease, int permits, int photos) : IDisposable
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Observe(Stopwatch.GetElapsedTime(_started), permits, photos);
                lease.Dispose();
            }
        }
    }
}
