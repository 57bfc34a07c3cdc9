using System.Diagnostics;

namespace Returns.Grader.Bench.Vision.Measurement;

/// <summary>Per-run times in milliseconds and the statistics the report shows (outliers kept).</summary>
public sealed record Timing(IReadOnlyList<double> Ms)
{
    public double Median => Percentile(0.5);

    /// <summary>Nearest-rank P95: with 30 runs, the second slowest.</summary>
    public double P95 => Percentile(0.95);

    public double Min => Ms.Min();

    public double Max => Ms.Max();

    public double Mean => Ms.Average();

    public int Count => Ms.Count;

    public double Percentile(double p)
    {
        var sorted = Ms.Order().ToArray();
        if (p == 0.5)
        {
            var mid = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }
        var rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    /// <summary>Runs <paramref name="action"/> <paramref name="warmup"/> times untimed, then <paramref name="runs"/> times timed.</summary>
    public static Timing Measure(Action action, int warmup, int runs)
    {
        ArgumentNullException.ThrowIfNull(action);
        for (var i = 0; i < warmup; i++)
        {
            action();
        }
        var ms = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            ms[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return new Timing(ms);
    }

    public static Timing FromSeconds(IEnumerable<double> seconds) => new(seconds.Select(s => s * 1000).ToArray());

    public string Summary() => $"median {Median:F1} ms, p95 {P95:F1} ms, min–max {Min:F1}–{Max:F1} ms (n={Count})";
}
