using System.Diagnostics;
using System.Diagnostics.Metrics;
using Returns.Grader.Vision.Photos;
using Returns.Grader.Web.Features.Models;

namespace Returns.Grader.Web.Infrastructure.Telemetry;

/// <summary>
/// The app's own metrics (meter "Returns.Grader"; every instrument is listed with its alert in docs/operations.md).
/// Code records through the methods here, never through the instruments, so names and tags stay in one place. The
/// meter comes from <see cref="IMeterFactory"/>: each host (and each test's app) has its own. The gauges that read the
/// app's state are added by <see cref="ObserveState"/> when the meter provider starts, so this class needs nothing
/// but the factory (a benchmark or a test can make one).
/// </summary>
public sealed class GraderMetrics
{
    public const string MeterName = "Returns.Grader";

    /// <summary>Why an upload was refused when the app was too busy to take it (load shedding, a 503).</summary>
    public const string BusyRejection = "busy";

    private readonly Histogram<double> _intakeDuration;
    private readonly Counter<long> _rejections;
    private readonly Counter<long> _suggestions;
    private readonly Counter<long> _manual;
    private readonly Counter<long> _rateLimited;
    private readonly Histogram<double> _exportDuration;
    private readonly Histogram<long> _exportSize;
    private readonly Meter _meter;
    private int _observing;

    public GraderMetrics(IMeterFactory meterFactory)
    {
        var meter = _meter = meterFactory.Create(MeterName, typeof(GraderMetrics).Assembly.GetName().Version?.ToString());

        // Bucket advice: the SDK's default buckets (0 to 10 000) suit milliseconds, not seconds or bytes.
        _intakeDuration = meter.CreateHistogram("grader.photo.intake.duration", "s",
            "Time an upload spent in each stage (tag stage: sanitize, infer, store).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _rejections = meter.CreateCounter<long>("grader.photo.rejections", "{rejection}",
            "Uploads refused, by reason: one per refused file, or one per request when the app is busy.");
        _suggestions = meter.CreateCounter<long>("grader.photo.suggestions", "{photo}",
            "Photos the active model made a suggestion for, by model version.");
        _manual = meter.CreateCounter<long>("grader.photo.manual", "{photo}",
            "Photos given no suggestion (cause: no_model = manual mode, model_failed = the active model failed on them).");
        _rateLimited = meter.CreateCounter<long>("grader.rate_limit.rejections", "{request}",
            "Requests refused by a rate-limiting policy (429), by policy.");
        _exportDuration = meter.CreateHistogram("grader.export.duration", "s",
            "Time a completed label export took to write.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200] });
        _exportSize = meter.CreateHistogram<long>("grader.export.size", "By",
            "Size of a completed label export package.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1L << 20, 10L << 20, 100L << 20, 1L << 30, 10L << 30, 100L << 30] });
    }

    /// <summary>Adds the gauges of the model in use and of the review queue (once, however often it is called).</summary>
    public GraderMetrics ObserveState(ModelRegistry models, ReviewQueueReading reviewQueue)
    {
        if (Interlocked.Exchange(ref _observing, 1) == 1)
        {
            return this;
        }
        var meter = _meter;
        meter.CreateObservableGauge("grader.model.active", () => ModelsInUse(models), "{model}",
            "1 for each model in use, tagged model.version and model.role (active: its suggestions are shown; shadow).");
        meter.CreateObservableGauge("grader.model.manual_mode", () => models.IsManualMode ? 1 : 0, "{mode}",
            "1 while no model is active and grading goes on without suggestions.");
        meter.CreateObservableGauge("grader.review.queue.size", reviewQueue.OpenTasks, "{task}",
            "Open review tasks (read from the database at most every 15 s).");
        meter.CreateObservableGauge("grader.review.queue.oldest_age", reviewQueue.OldestAge, "s",
            "Age of the oldest open review task; 0 when the queue is empty.");
        return this;
    }

    /// <summary>Starts an upload's span and stage timings; dispose it when the upload is done.</summary>
    public IntakeTrace StartIntake(Guid itemId, int photoCount) => new(this, itemId, photoCount);

    public void RecordIntakeStage(IntakeStage stage, TimeSpan duration) =>
        _intakeDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("stage", StageName(stage)));

    /// <summary>
    /// An upload refused, with a reason in snake_case (<see cref="ReasonName"/> for the sanitizer's reasons,
    /// <see cref="BusyRejection"/> for load shedding). Also an event on the current span.
    /// </summary>
    public void PhotoRejected(string reason)
    {
        _rejections.Add(1, new KeyValuePair<string, object?>("reason", reason));
        Activity.Current?.AddEvent(new ActivityEvent("photo.rejected", tags: new ActivityTagsCollection { ["reason"] = reason }));
    }

    public void PhotoRejected(PhotoRejection reason) => PhotoRejected(ReasonName(reason));

    public void SuggestionsMade(string modelVersion, int photos) =>
        _suggestions.Add(photos, new KeyValuePair<string, object?>("model.version", modelVersion));

    /// <summary>Photos given no suggestion: no active model (manual mode), or the active model failed on them (they are kept).</summary>
    public void ManualMode(int photos, bool modelFailed) =>
        _manual.Add(photos, new KeyValuePair<string, object?>("cause", modelFailed ? "model_failed" : "no_model"));

    /// <summary>A request refused by the named rate-limiting policy (call from the limiter's OnRejected).</summary>
    public void RateLimitRejected(string policy) =>
        _rateLimited.Add(1, new KeyValuePair<string, object?>("policy", policy));

    public void ExportCompleted(TimeSpan duration, long bytes)
    {
        _exportDuration.Record(duration.TotalSeconds);
        _exportSize.Record(bytes);
    }

    internal static string StageName(IntakeStage stage) => stage switch
    {
        IntakeStage.Sanitize => "sanitize",
        IntakeStage.Infer => "infer",
        IntakeStage.Store => "store",
        _ => throw new ArgumentOutOfRangeException(nameof(stage)),
    };

    /// <summary>Spelled out rather than derived from the enum, so renaming a member cannot silently break a dashboard.</summary>
    public static string ReasonName(PhotoRejection reason) => reason switch
    {
        PhotoRejection.Empty => "empty",
        PhotoRejection.TooManyBytes => "too_many_bytes",
        PhotoRejection.UnsupportedFormat => "unsupported_format",
        PhotoRejection.TooManyPixels => "too_many_pixels",
        PhotoRejection.Corrupt => "corrupt",
        PhotoRejection.TooFewPixels => "too_few_pixels",
        _ => "other",
    };

    private static IEnumerable<Measurement<int>> ModelsInUse(ModelRegistry models)
    {
        // Plain reads of the registry's slots: cheap, never blocking, never throwing.
        if (models.Active?.Manifest.ModelVersion is { } active)
        {
            yield return new Measurement<int>(1, new KeyValuePair<string, object?>("model.version", active), new KeyValuePair<string, object?>("model.role", "active"));
        }
        if (models.ShadowVersion is { } shadow)
        {
            yield return new Measurement<int>(1, new KeyValuePair<string, object?>("model.version", shadow), new KeyValuePair<string, object?>("model.role", "shadow"));
        }
    }
}
