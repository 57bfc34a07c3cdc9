using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Returns.Grader.Bench.Vision.Inputs;
using Returns.Grader.Bench.Vision.Measurement;
using static Returns.Grader.Bench.Vision.BenchContext;

namespace Returns.Grader.Bench.Vision.Sections;

/// <summary>
/// 7: load shedding at photo intake (issue 19 item 3). An open-loop generator offers photos to the real app at fixed
/// rates: request i is sent at i / rate seconds whether or not earlier ones were answered (never closed-loop: a slow
/// server does not slow the arrivals), one 12 MP photo of about 8 MB per request, each to its own item created before
/// the timed phase. Latency counts from the scheduled send time, so the generator's own lateness is not hidden. Run
/// twice: with the app's shedding defaults, and with shedding effectively off (a queue of 10,000 and a 5 min wait),
/// where the queue is unbounded and each step's sending is cut at its end to see what is still waiting.
/// </summary>
public static class LoadSection
{
    /// <summary>Quality that brings the bench painting to about 8 MB at 12 MP, like the issue's phone photo.</summary>
    private const int PhotoQuality = 98;

    private const int WarmupSeconds = 5;
    private const int PauseSeconds = 3;

    /// <summary>How long the unshed run waits for its backlog after sending stops; what is left then is cut off.</summary>
    private static readonly TimeSpan DrainCap = TimeSpan.FromSeconds(45);

    /// <summary>
    /// The per-user rate limits (issue 19) out of the way: the items made before the timed phase come in a burst past the
    /// default 60, and at 8 photos/s the uploads would pass 600 a minute: the limiter would be measured, not the intake.
    /// </summary>
    private static readonly Dictionary<string, string> NoRateLimits = new()
    {
        ["Grader__RateLimits__UploadsPerMinute"] = "100000",
        ["Grader__RateLimits__UploadsBurst"] = "10000",
        ["Grader__RateLimits__ItemsPerMinute"] = "100000",
        ["Grader__RateLimits__ItemsBurst"] = "10000",
    };

    private static readonly Dictionary<string, string> SheddingOff = new(NoRateLimits)
    {
        ["Grader__Photos__MaxQueuedPhotos"] = "10000",
        ["Grader__Photos__MaxQueueWait"] = "00:05:00",
    };

    private const int UnshedPort = 5098;

    public static async Task<bool> RunAsync(BenchContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Md("## 7. Load shedding at photo intake: open-loop arrivals past capacity (issue 19)");
        context.Md();
        if (AppUnderBench.PortInUse() || AppUnderBench.PortInUse(UnshedPort))
        {
            context.Md($"Port {AppUnderBench.DefaultPort} or {UnshedPort} is in use: skipped.");
            return false;
        }
        var photoPath = TestPhoto.EnsureAtQuality(Path.Combine(context.Artifacts, "inputs"), PhotoQuality);
        var photo = await File.ReadAllBytesAsync(photoPath);
        var seconds = context.LoadSeconds;
        var warmup = context.Quick ? 1 : WarmupSeconds;
        context.Md($"Photo: {Path.GetRelativePath(context.RepoRoot, photoPath)} ({F(photo.Length / 1e6, "F2")} MB = {F(photo.Length / 1048576.0, "F2")} MiB, {TestPhoto.StoredWidth}×{TestPhoto.StoredHeight}, JPEG quality {PhotoQuality}, EXIF orientation {TestPhoto.Orientation}). "
            + $"Two apps are started, one with the shedding defaults (port {AppUnderBench.DefaultPort}) and one with shedding off (port {UnshedPort}); they take turns at each rate (the order alternates), "
            + "so both rows of a rate ran under about the same load from the rest of the machine. "
            + $"Per rate and app: {warmup} s of arrivals not counted, then {seconds} s measured (requests *scheduled* in that window), evenly spaced; "
            + $"then sending stops, the answers still owed are awaited (shedding off: at most {F(DrainCap.TotalSeconds, "F0")} s, the rest is cut off), and {PauseSeconds} s of pause. "
            + "Latency: from the scheduled send to the last byte of the answer.");
        context.Md();

        await using var shedApp = await AppUnderBench.StartAsync(context, "load-app-shed.log", NoRateLimits);
        using var shed = await PrepareAsync(context, shedApp, "shedding on (defaults)", photo, warmup, seconds);
        if (shed is null)
        {
            return false;
        }
        await using var unshedApp = await AppUnderBench.StartAsync(context, "load-app-noshed.log", SheddingOff, UnshedPort);
        using var unshed = await PrepareAsync(context, unshedApp, "shedding off (queue 10,000, wait 5 min)", photo, warmup, seconds);
        if (unshed is null)
        {
            return false;
        }

        for (var r = 0; r < context.LoadRates.Count; r++)
        {
            var rate = context.LoadRates[r];
            var count = (int)Math.Ceiling(rate * (warmup + seconds));
            foreach (var configuration in r % 2 == 0 ? new[] { shed, unshed } : [unshed, shed])
            {
                Console.WriteLine($"  {configuration.Name}: {F(rate)} photos/s for {warmup} + {seconds} s (load {ProcessStats.LoadAverage()})");
                configuration.Steps.Add(await RunStepAsync(configuration, photo, rate, warmup, seconds, configuration.TakeItems(count)));
                await Task.Delay(TimeSpan.FromSeconds(PauseSeconds));
            }
        }
        foreach (var configuration in new[] { shed, unshed })
        {
            WriteTable(context, configuration, seconds);
        }
        WriteSummary(context, shed, unshed);
        return true;
    }

    /// <summary>
    /// Checks the app, times one photo alone (sequential uploads after tiered compilation has settled) and creates every
    /// item the steps will need, so that creating them is not part of the load.
    /// </summary>
    private static async Task<Configuration?> PrepareAsync(BenchContext context, AppUnderBench app, string name, byte[] photo, int warmup, int seconds)
    {
        Console.WriteLine($"Load: {name}…");
        if (app.Ready is null || app.ModelProblem is not null)
        {
            context.Md($"{name}: {app.ModelProblem ?? "the app did not become ready"} (log: {Path.GetRelativePath(context.RepoRoot, app.LogPath)}).");
            return null;
        }

        var sequentialWarmup = context.Runs(20, 2);
        var sequentialRuns = context.Runs(10, 3);
        var alone = new List<double>();
        TimeSpan? cpuBefore = null;
        for (var i = 0; i < sequentialWarmup + sequentialRuns; i++)
        {
            var itemId = await app.CreateItemAsync();
            if (i == sequentialWarmup)
            {
                cpuBefore = app.ServerPid is { } pid ? ProcessStats.CpuTimeOf(pid) : null;
            }
            using var form = AppUnderBench.PhotoForm(photo);
            var watch = Stopwatch.StartNew();
            using var response = await app.Http.PostAsync(AppUnderBench.PhotosOf(itemId), form);
            await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                context.Md($"{name}: a single upload failed with {(int)response.StatusCode}.");
                return null;
            }
            if (i >= sequentialWarmup)
            {
                alone.Add(watch.Elapsed.TotalMilliseconds);
            }
        }
        var cpuPerPhoto = app.ServerPid is { } p && cpuBefore is { } c0 && ProcessStats.CpuTimeOf(p) is { } c1
            ? (c1 - c0).TotalMilliseconds / sequentialRuns : double.NaN;

        var items = new Guid[context.LoadRates.Sum(rate => (int)Math.Ceiling(rate * (warmup + seconds)))];
        var creating = Stopwatch.StartNew();
        await Parallel.ForAsync(0, items.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (i, _) => items[i] = await app.CreateItemAsync());
        Console.WriteLine($"  {items.Length} items created in {creating.Elapsed.TotalSeconds:F0} s");
        return new Configuration(name, app, new Timing(alone), cpuPerPhoto, items);
    }

    /// <summary>One rate: sends on schedule, then awaits every answer (the unshed run: at most <see cref="DrainCap"/>).</summary>
    private static async Task<StepResult> RunStepAsync(Configuration configuration, byte[] photo, double rate, int warmup, int seconds, ReadOnlyMemory<Guid> items)
    {
        var app = configuration.App;
        var http = configuration.Client;
        var load = ProcessStats.LoadAverage().Split(' ')[0];
        using var cutOff = new CancellationTokenSource();
        var outcomes = new Outcome[items.Length];
        var sends = new List<Task>(items.Length);
        var clock = Stopwatch.StartNew();
        TimeSpan? serverCpu0 = null, serverCpu1 = null;
        TimeSpan clientCpu0 = TimeSpan.Zero, clientCpu1 = TimeSpan.Zero;
        var window0 = false;
        var maxLagMs = 0.0;
        for (var i = 0; i < items.Length; i++)
        {
            var due = i / rate;
            if (!window0 && due >= warmup)
            {
                window0 = true;
                serverCpu0 = app.ServerPid is { } pid ? ProcessStats.CpuTimeOf(pid) : null;
                clientCpu0 = ProcessStats.CpuTime();
            }
            var wait = due - clock.Elapsed.TotalSeconds;
            if (wait > 0.001)
            {
                await Task.Delay(TimeSpan.FromSeconds(wait));
            }
            maxLagMs = Math.Max(maxLagMs, (clock.Elapsed.TotalSeconds - due) * 1000);
            var index = i;
            var itemId = items.Span[i];
            sends.Add(Task.Run(async () => outcomes[index] = await SendAsync(http, photo, itemId, due, clock, cutOff.Token)));
        }
        var windowEnd = (double)(warmup + seconds);
        var untilEnd = windowEnd - clock.Elapsed.TotalSeconds;
        if (untilEnd > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(untilEnd));
        }
        serverCpu1 = app.ServerPid is { } pid1 ? ProcessStats.CpuTimeOf(pid1) : null;
        clientCpu1 = ProcessStats.CpuTime();
        var pendingAtStop = sends.Count(t => !t.IsCompleted);
        var stoppedAt = clock.Elapsed;
        try
        {
            await Task.WhenAll(sends).WaitAsync(DrainCap);
        }
        catch (TimeoutException)
        {
            await cutOff.CancelAsync();
            await Task.WhenAll(sends);
        }
        var drained = clock.Elapsed - stoppedAt;
        var measured = outcomes.Where(o => o.ScheduledS >= warmup && o.ScheduledS < windowEnd).ToList();
        var serverCores = serverCpu0 is { } s0 && serverCpu1 is { } s1 ? (s1 - s0).TotalSeconds / seconds : double.NaN;
        var clientCores = (clientCpu1 - clientCpu0).TotalSeconds / seconds;
        var completedInWindow = outcomes.Count(o => o.Status == 201 && o.CompletedS >= warmup && o.CompletedS < windowEnd);
        return new StepResult(rate, measured, completedInWindow / (double)seconds, pendingAtStop, drained, maxLagMs, serverCores, clientCores, load);
    }

    private static async Task<Outcome> SendAsync(HttpClient http, byte[] photo, Guid itemId, double dueS, Stopwatch clock, CancellationToken cutOff)
    {
        try
        {
            using var form = AppUnderBench.PhotoForm(photo);
            using var response = await http.PostAsync(AppUnderBench.PhotosOf(itemId), form, cutOff);
            var body = await response.Content.ReadAsStringAsync(cutOff);
            var done = clock.Elapsed.TotalSeconds;
            var status = (int)response.StatusCode;
            string? reason = null;
            if (status == 503)
            {
                using var json = JsonDocument.Parse(body);
                reason = json.RootElement.TryGetProperty("reason", out var r) ? r.GetString() : "?";
            }
            int? retryAfter = response.Headers.RetryAfter?.Delta is { } delta ? (int)delta.TotalSeconds : null;
            return new Outcome(dueS, (done - dueS) * 1000, status, reason, retryAfter, done);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or JsonException)
        {
            var done = clock.Elapsed.TotalSeconds;
            var kind = cutOff.IsCancellationRequested ? "cut_off" : e is OperationCanceledException ? "client_timeout" : "error";
            return new Outcome(dueS, (done - dueS) * 1000, 0, kind, null, done);
        }
    }

    private static void WriteTable(BenchContext context, Configuration result, int seconds)
    {
        var app = result.App;
        var peakRss = app.ServerPid is { } peakPid ? ProcessStats.PeakRssKbOf(peakPid) / 1024.0 : double.NaN;
        context.Md($"### {result.Name}");
        context.Md();
        context.Md($"App: {app.Describe(context)}. One photo alone (sequential, after {context.Runs(20, 2)} warm-ups): median {F(result.Alone.Median, "F0")} ms, "
            + $"p95 {F(result.Alone.P95, "F0")} ms, server CPU {F(result.CpuPerPhotoMs, "F0")} ms per photo (→ at most {F(Environment.ProcessorCount * 1000 / result.CpuPerPhotoMs)} photos/s on {Environment.ProcessorCount} cores if nothing else ran). App peak RSS over the run {F(peakRss, "F0")} MB.");
        context.Md();
        context.Md($"| Offered photos/s | Load avg at start | Sent ({seconds} s) | 201 | 503 queue_full | 503 wait_expired | Other | Completed/s | Accepted p50 | p95 | p99 | max | 503 answer p50 | Retry-After (s) | Waiting when sending stopped | Drained after | Server CPU (cores) | Bench CPU (cores) | Send lag max |");
        context.Md("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var step in result.Steps)
        {
            var sent = step.Measured.Count;
            // A request cut off while it waited (the unshed run) was taken in and not yet answered: its latency is at
            // least its age, so it counts with that age and a percentile that lands on one is shown as "≥".
            var accepted = step.Measured.Where(o => o.Status == 201 || o.Reason == "cut_off").OrderBy(o => o.LatencyMs).ToList();
            var answered = accepted.Count(o => o.Status == 201);
            var busy = step.Measured.Where(o => o.Status == 503).ToList();
            var full = busy.Count(o => o.Reason == "queue_full");
            var expired = busy.Count(o => o.Reason == "wait_expired");
            var other = step.Measured.Where(o => o.Status is not (201 or 503)).ToList();
            var retry = busy.Where(o => o.RetryAfter is not null).Select(o => (double)o.RetryAfter!.Value).ToList();
            context.Md($"| {F(step.Rate)} | {step.LoadAverage} | {sent} | {answered} ({Percent(answered, sent)}) | {full} ({Percent(full, sent)}) | {expired} ({Percent(expired, sent)}) | {OtherText(other)} "
                + $"| {F(step.CompletedPerSecond, "F2")} | {Latency(accepted, 0.5)} | {Latency(accepted, 0.95)} | {Latency(accepted, 0.99)} | {Latency(accepted, 1)} "
                + $"| {(busy.Count > 0 ? $"{F(new Timing([.. busy.Select(o => o.LatencyMs)]).Median, "F0")} ms" : "—")} "
                + $"| {(retry.Count > 0 ? RetryText(retry) : "—")} | {step.PendingAtStop} | {F(step.Drained.TotalSeconds)} s | {F(step.ServerCores, "F2")} | {F(step.ClientCores, "F2")} | {F(step.MaxLagMs, "F0")} ms |");
        }
        context.Md();
    }

    /// <summary>The knee: the most photos/s the app completed in any step of the shedding run, per core.</summary>
    private static void WriteSummary(BenchContext context, Configuration shed, Configuration unshed)
    {
        var cores = Environment.ProcessorCount;
        var capacity = shed.Steps.Max(s => s.CompletedPerSecond);
        var clean = shed.Steps.Where(s => s.Measured.Count > 0 && s.Measured.All(o => o.Status == 201)).Select(s => s.Rate).DefaultIfEmpty(0).Max();
        var overloaded = shed.Steps.Where(s => s.Rate > capacity).ToList();
        var worstP95 = overloaded.Select(s => s.Measured.Where(o => o.Status == 201).Select(o => o.LatencyMs).ToList())
            .Where(l => l.Count > 0).Select(l => new Timing(l).P95).DefaultIfEmpty(double.NaN).Max();
        var unshedWorst = unshed.Steps.Select(s => s.Measured.Where(o => o.Status == 201 || o.Reason == "cut_off").Select(o => o.LatencyMs).ToList())
            .Where(l => l.Count > 0).Select(l => new Timing(l).P95).DefaultIfEmpty(double.NaN).Max();
        context.Md($"Knee: **{F(capacity, "F2")} photos/s** completed at most (shedding run) = **{F(capacity / cores, "F2")} photos/s per core** on {cores} cores; "
            + $"every photo accepted up to {F(clean)} photos/s offered. Beyond the knee, accepted p95 at most {Seconds(worstP95)} with shedding, {Seconds(unshedWorst)} without (and growing with the step's length).");
        context.Md();
    }

    private static string Percent(int part, int whole) => whole == 0 ? "—" : $"{F(100.0 * part / whole, "F0")} %";

    /// <summary>Nearest-rank percentile of latencies sorted ascending; "≥" when it lands on a request that was cut off.</summary>
    private static string Latency(List<Outcome> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return "—";
        }
        var o = sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
        return (o.Status == 201 ? "" : "≥ ") + Seconds(o.LatencyMs);
    }

    private static string Seconds(double? ms) => ms is { } v && !double.IsNaN(v) ? (v < 10_000 ? $"{F(v / 1000, "F2")} s" : $"{F(v / 1000)} s") : "—";

    private static string OtherText(List<Outcome> other) =>
        other.Count == 0 ? "0" : string.Join(", ", other.GroupBy(o => o.Status == 0 ? o.Reason ?? "error" : o.Status.ToString(CultureInfo.InvariantCulture)).Select(g => $"{g.Count()} {g.Key}"));

    private static string RetryText(List<double> values)
    {
        var t = new Timing(values);
        return t.Min == t.Max ? F(t.Min, "F0") : $"{F(t.Min, "F0")}–{F(t.Max, "F0")} (median {F(t.Median, "F0")})";
    }

    private sealed record Outcome(double ScheduledS, double LatencyMs, int Status, string? Reason, int? RetryAfter, double CompletedS);

    private sealed record StepResult(
        double Rate, List<Outcome> Measured, double CompletedPerSecond, int PendingAtStop, TimeSpan Drained, double MaxLagMs, double ServerCores, double ClientCores,
        string LoadAverage);

    /// <summary>One app under load: its single-photo figures, its items, its client and the steps measured so far.</summary>
    private sealed class Configuration(string name, AppUnderBench app, Timing alone, double cpuPerPhotoMs, Guid[] items) : IDisposable
    {
        private int _nextItem;

        public string Name => name;

        public AppUnderBench App => app;

        public Timing Alone => alone;

        public double CpuPerPhotoMs => cpuPerPhotoMs;

        /// <summary>Enough connections that no request waits for one (HTTP/1.1: one request per connection at a time).</summary>
        public HttpClient Client { get; } = app.CreateClient(maxConnections: 4096, TimeSpan.FromSeconds(120));

        public List<StepResult> Steps { get; } = [];

        public ReadOnlyMemory<Guid> TakeItems(int count)
        {
            var taken = items.AsMemory(_nextItem, count);
            _nextItem += count;
            return taken;
        }

        public void Dispose() => Client.Dispose();
    }
}
