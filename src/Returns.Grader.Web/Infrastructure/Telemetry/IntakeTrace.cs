using System.Diagnostics;

namespace Returns.Grader.Web.Infrastructure.Telemetry;

public enum IntakeStage
{
    /// <summary>Sniff, check, decode, orient and re-encode every file of the request, and make the model tensors.</summary>
    Sanitize,
    /// <summary>The active (and shadow) model on the request's photos.</summary>
    Infer,
    /// <summary>The files written to the photo store, and the rows committed.</summary>
    Store,
}

/// <summary>
/// One upload as telemetry: the <c>photos.intake</c> span with a child span per stage, and the time spent in each
/// stage, recorded to <c>grader.photo.intake.duration</c> once the upload is done (rejected uploads too: the time was
/// spent). A stage entered twice (store: files, then rows) is recorded once, as the sum, so each upload counts once per
/// stage in the histogram.
/// </summary>
public sealed class IntakeTrace : IDisposable
{
    private readonly GraderMetrics _metrics;
    private readonly Activity? _activity;
    private readonly TimeSpan?[] _spent = new TimeSpan?[Enum.GetValues<IntakeStage>().Length];

    internal IntakeTrace(GraderMetrics metrics, Guid itemId, int photoCount)
    {
        _metrics = metrics;
        _activity = GraderActivities.Source.StartActivity("photos.intake");
        _activity?.SetTag("grader.item.id", itemId.ToString());
        _activity?.SetTag("grader.photo.count", photoCount);
    }

    /// <summary>Times a stage until the returned scope is disposed; its span is the current one meanwhile.</summary>
    public StageScope Stage(IntakeStage stage)
    {
        var activity = GraderActivities.Source.StartActivity($"photos.intake.{GraderMetrics.StageName(stage)}");
        activity?.SetTag("grader.intake.stage", GraderMetrics.StageName(stage));
        return new StageScope(this, stage, activity);
    }

    public void Dispose()
    {
        for (var i = 0; i < _spent.Length; i++)
        {
            if (_spent[i] is { } spent)
            {
                _metrics.RecordIntakeStage((IntakeStage)i, spent);
            }
        }
        _activity?.Dispose();
    }

    public sealed class StageScope : IDisposable
    {
        private readonly IntakeTrace _trace;
        private readonly IntakeStage _stage;
        private readonly Activity? _activity;
        private readonly long _started = Stopwatch.GetTimestamp();

        internal StageScope(IntakeTrace trace, IntakeStage stage, Activity? activity) => (_trace, _stage, _activity) = (trace, stage, activity);

        public void Dispose()
        {
            // The stages of one upload run one after another, never at once: no synchronization needed.
            _trace._spent[(int)_stage] = (_trace._spent[(int)_stage] ?? TimeSpan.Zero) + Stopwatch.GetElapsedTime(_started);
            _activity?.Dispose();
        }
    }
}
