using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Returns.Grader.Bench.Vision.Inputs;
using Returns.Grader.Bench.Vision.Measurement;
using static Returns.Grader.Bench.Vision.BenchContext;

namespace Returns.Grader.Bench.Vision.Sections;

/// <summary>
/// 8: 12 MP photos per second sustained by one node and by two (issue 18, "Measured"). A closed loop, unlike section 7:
/// N uploaders (1, 2, 3, 4, 6, 8) each upload the section-7 photo (12 MP, about 8 MB) to an item of their own, wait for
/// the answer and send the next, so the offered load is what the server can answer: that is how a station behaves, and
/// it finds the most photos per second the app keeps up with at an acceptable wait. The steps stop after the first N
/// whose accepted p95 exceeds 1 s, because a larger N only adds queueing to the same throughput. Items are created
/// before each step (creating them is not part of the load); a 503 (shed, with Retry-After) stored nothing, so its
/// item is used again after the wait the server asked for. Anything other than 201 or 503 (an error status, a
/// timeout, a broken connection) is a lost request: the section fails on one, and every accepted photo is read back
/// afterwards (through the other node when there are two) to show that what was answered 201 was really kept.
/// <para>
/// Two nodes: two app processes on loopback ports 5099 and 5097, each with its own data directory (nothing shared on
/// disk), sharing one PostgreSQL database and one Azure Blob container, with the Data Protection keys in that database;
/// the uploaders alternate between the nodes request by request (round robin), like a balancer in front of them. The
/// shared backend comes from the run's <c>--app-env</c>: <c>Database__Provider=Postgres</c>,
/// <c>ConnectionStrings__Grader</c>, <c>Grader__Storage__Provider=AzureBlob</c> and <c>ConnectionStrings__Blobs</c>
/// (./test.sh --no-install --run starts PostgreSQL and Azurite). AppUnderBench creates no database, so the connection
/// string must name one that exists (<c>Database=…</c>; without it Npgsql uses the user's own, e.g. "postgres") and
/// that no earlier run used: item plates are BENCH-&lt;pid&gt;-&lt;n&gt; and must be unique. Node A is started and ready
/// before node B, since both would run the migrations at once otherwise; every item is created through node A, whose
/// plate counter is the only one. Without that backend the section runs the one-node rows only (SQLite + files, the
/// embedded default) and says how to get the two-node ones.
/// </para>
/// <para>
/// Both nodes run on the same machine: on 2 cores two nodes are not faster than one (they share the cores, and each
/// has its own intake queue), and the report says so. The two-node rows are there to show that nothing breaks and no
/// request is lost when the work is spread over two processes sharing one database and one store.
/// </para>
/// </summary>
public static partial class ScaleSection
{
    /// <summary>The photo of section 7 (about 8 MB at 12 MP, like the issue's phone photo).</summary>
    private const int PhotoQuality = 98;

    private const int NodeBPort = 5097;
    private const double P95LimitMs = 1000;
    private const int PauseSeconds = 3;

    private static readonly int[] Uploaders = [1, 2, 3, 4, 6, 8];
    private static readonly int[] QuickUploaders = [1, 2, 4];

    /// <summary>
    /// The rate limits far above what this loop sends: on a machine with many cores 8 uploaders could pass the default
    /// 600 uploads a minute, and the items created before a step come in a burst past the default 60. A 429 would
    /// count as a lost request (or abort the section), and it would be the limiter that was measured, not the intake.
    /// </summary>
    private static readonly Dictionary<string, string> Limits = new()
    {
        ["Grader__RateLimits__UploadsPerMinute"] = "100000",
        ["Grader__RateLimits__UploadsBurst"] = "10000",
        ["Grader__RateLimits__ItemsPerMinute"] = "100000",
        ["Grader__RateLimits__ItemsBurst"] = "10000",
    };

    public static async Task<bool> RunAsync(BenchContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Md("## 8. Photos per second sustained: one node and two (issue 18)");
        context.Md();
        var missing = MissingForTwoNodes(context);
        var twoNodes = missing.Count == 0;
        if (AppUnderBench.PortInUse() || (twoNodes && AppUnderBench.PortInUse(NodeBPort)))
        {
            context.Md($"Port {AppUnderBench.DefaultPort}{(twoNodes ? $" or {NodeBPort}" : "")} is in use: skipped.");
            return false;
        }
        var photoPath = TestPhoto.EnsureAtQuality(Path.Combine(context.Artifacts, "inputs"), PhotoQuality);
        var photo = await File.ReadAllBytesAsync(photoPath);
        var seconds = context.LoadSeconds;
        var warmup = context.Quick ? 2 : 5;
        var pause = context.Quick ? 1 : PauseSeconds;
        var uploaders = context.Quick ? QuickUploaders : Uploaders;
        context.Md($"Photo: {Path.GetRelativePath(context.RepoRoot, photoPath)} ({F(photo.Length / 1e6, "F2")} MB, {TestPhoto.StoredWidth}×{TestPhoto.StoredHeight}, JPEG quality {PhotoQuality}). "
            + $"Closed loop: N uploaders ({string.Join(", ", uploaders)}; the steps stop after the first N whose p95 exceeds {F(P95LimitMs / 1000, "F0")} s) each upload the photo to an item of its own "
            + "(created before the step), wait for the answer and send the next; after a 503 they wait the Retry-After first and use the same item again (nothing was kept). "
            + $"Per step: {warmup} s not counted, then {seconds} s measured, then no new sends and the answers still owed are awaited, then {pause} s of pause. "
            + "Counted in the window: answers that arrived in it. Latency: from the send to the last byte of the answer. "
            + "*Lost/failed* is every request of the whole step (warm-up and drain included) not answered 201 or 503 (another status, a timeout, a broken connection): it must be 0. "
            + "Server cores: the app's CPU time over the window (both apps summed for two nodes) / the window. Load: 1-minute load average as the step started. "
            + $"The app's rate limits are raised for this section ({string.Join(", ", Limits.Select(l => $"{l.Key}={l.Value}"))}): the limiter is not what is measured.");
        context.Md();

        var environment = new Dictionary<string, string>(Limits);
        if (twoNodes)
        {
            environment["Grader__DataProtection__KeyStore"] = "Database"; // what two nodes behind one balancer need (issue 18)
        }
        else
        {
            context.Md($"**Two-node rows not run:** two nodes need a database and a photo store they share, PostgreSQL and Azurite (or Azure Blob Storage); this run lacks {string.Join(", ", missing)}. "
                + "Pass them with `--app-env Database__Provider=Postgres --app-env \"ConnectionStrings__Grader=Host=…;Port=…;Username=…;Database=<an existing, unused database>\" "
                + "--app-env Grader__Storage__Provider=AzureBlob --app-env \"ConnectionStrings__Blobs=<Azurite connection string>\"`, e.g. inside `./test.sh --no-install --run …` "
                + "(which starts both; the usage comment in bench/Returns.Grader.Bench.Vision/Program.cs and Sections/ScaleSection.cs say more). The rows below are one node on the embedded default (SQLite and photos on disk).");
            context.Md();
        }

        await using var nodeA = await AppUnderBench.StartAsync(context, "scale-node-a.log", environment);
        var alone = await PrepareAsync(context, nodeA, nodeA, "node A");
        if (alone is null)
        {
            return false;
        }
        context.Md($"Node A: {Describe(context, nodeA)}. One photo alone (sequential, after {context.Runs(20, 2)} warm-ups): median {F(alone.Alone.Median, "F0")} ms, "
            + $"server CPU {F(alone.CpuPerPhotoMs, "F0")} ms per photo.");
        context.Md();

        var lost = 0;
        using (var oneNode = new Topology("One node", [nodeA], nodeA))
        {
            await RunStepsAsync(context, oneNode, alone, photo, uploaders, warmup, seconds, pause);
            lost += await ReadBackAsync(oneNode);
            WriteTable(context, oneNode, seconds);
            lost += oneNode.Lost;
            if (!twoNodes)
            {
                WriteVerdict(context, lost);
                return lost == 0 && oneNode.Steps.Count > 0;
            }

            await using var nodeB = await AppUnderBench.StartAsync(context, "scale-node-b.log", environment, NodeBPort);
            if (await PrepareAsync(context, nodeB, nodeA, "node B") is null)
            {
                return false;
            }
            context.Md($"Node B: {Describe(context, nodeB)}.");
            context.Md();
            using var pair = new Topology("Two nodes", [nodeA, nodeB], nodeA);
            await RunStepsAsync(context, pair, alone, photo, uploaders, warmup, seconds, pause);
            lost += await ReadBackAsync(pair);
            WriteTable(context, pair, seconds);
            lost += pair.Lost;

            var cores = Environment.ProcessorCount;
            static string Rate(Topology t) => Sustained(t) is { } best ? $"{F(best.PhotosPerSecond, "F2")} photos/s" : "none";
            context.Md($"Two nodes against one, sustained: **{Rate(pair)} vs {Rate(oneNode)}.** "
                + $"Both nodes run on this one machine of {cores} cores and share them, so two nodes are not expected to be faster here{(cores <= 2 ? " (on 2 cores they cannot be)" : "")}; "
                + "a second node adds capacity only on a machine of its own. The two-node rows are there to show that the work spreads over two processes sharing one database and one store "
                + (lost == 0 ? "without breaking anything or losing a request, and here it did." : "without breaking anything or losing a request: **here requests were lost (below)**."));
            context.Md();
            WriteVerdict(context, lost);
            return lost == 0 && pair.Steps.Count > 0;
        }
    }

    /// <summary>What of the shared backend the run's --app-env lacks (empty: both topologies run).</summary>
    private static List<string> MissingForTwoNodes(BenchContext context)
    {
        var missing = new List<string>();
        if (!string.Equals(Setting(context, "Database__Provider"), "Postgres", StringComparison.OrdinalIgnoreCase))
        {
            missing.Add("Database__Provider=Postgres");
        }
        if (string.IsNullOrWhiteSpace(Setting(context, "ConnectionStrings__Grader")))
        {
            missing.Add("ConnectionStrings__Grader");
        }
        if (!string.Equals(Setting(context, "Grader__Storage__Provider"), "AzureBlob", StringComparison.OrdinalIgnoreCase))
        {
            missing.Add("Grader__Storage__Provider=AzureBlob");
        }
        return missing;
    }

    /// <summary>An --app-env value, whether it was written with "__" or ":" (both reach the app's configuration).</summary>
    private static string? Setting(BenchContext context, string key) =>
        context.AppEnvironment.FirstOrDefault(e => string.Equals(e.Key.Replace(":", "__", StringComparison.Ordinal), key, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>
    /// Checks the node, then uploads one photo at a time to settle tiered compilation (its background re-JIT would
    /// otherwise show in the first step) and times the last few: the single-photo figures size the item pools. Items
    /// are always created through <paramref name="itemNode"/> (node A), so that their plates stay unique.
    /// </summary>
    private static async Task<SinglePhoto?> PrepareAsync(BenchContext context, AppUnderBench node, AppUnderBench itemNode, string name)
    {
        Console.WriteLine($"Scale: {name}…");
        if (node.Ready is null || node.ModelProblem is not null)
        {
            context.Md($"{name}: {node.ModelProblem ?? "the app did not become ready"} (log: {Path.GetRelativePath(context.RepoRoot, node.LogPath)}).");
            return null;
        }
        var photo = await File.ReadAllBytesAsync(TestPhoto.EnsureAtQuality(Path.Combine(context.Artifacts, "inputs"), PhotoQuality));
        var warmups = context.Runs(20, 2);
        var runs = context.Runs(10, 3);
        var alone = new List<double>();
        TimeSpan? cpuBefore = null;
        for (var i = 0; i < warmups + runs; i++)
        {
            var itemId = await itemNode.CreateItemAsync();
            if (i == warmups)
            {
                cpuBefore = node.ServerPid is { } pid ? ProcessStats.CpuTimeOf(pid) : null;
            }
            using var form = AppUnderBench.PhotoForm(photo);
            var watch = Stopwatch.StartNew();
            using var response = await node.Http.PostAsync(AppUnderBench.PhotosOf(itemId), form);
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                context.Md($"{name}: a single upload failed with {(int)response.StatusCode}: {body} (log: {Path.GetRelativePath(context.RepoRoot, node.LogPath)}).");
                return null;
            }
            if (i >= warmups)
            {
                alone.Add(watch.Elapsed.TotalMilliseconds);
            }
        }
        var cpuPerPhoto = node.ServerPid is { } p && cpuBefore is { } c0 && ProcessStats.CpuTimeOf(p) is { } c1
            ? (c1 - c0).TotalMilliseconds / runs : double.NaN;
        return new SinglePhoto(new Timing(alone), cpuPerPhoto);
    }

    /// <summary>The steps of one topology, in order of N, until one's p95 passes the limit.</summary>
    private static async Task RunStepsAsync(BenchContext context, Topology topology, SinglePhoto alone, byte[] photo, int[] uploaders, int warmup, int seconds, int pause)
    {
        foreach (var n in uploaders)
        {
            var items = await CreateItemsAsync(topology, alone, n, warmup + seconds);
            Console.WriteLine($"  {topology.Name}: {n} uploader(s) for {warmup} + {seconds} s (load {ProcessStats.LoadAverage()})");
            var step = await RunStepAsync(topology, photo, n, warmup, seconds, items);
            topology.Steps.Add(step);
            foreach (var failure in step.Outcomes.Where(o => o.IsLost))
            {
                Console.Error.WriteLine($"  !!! LOST/FAILED: {topology.Name}, {n} uploader(s), node {"AB"[failure.Node]}, item {failure.ItemId}: {failure.Status} {failure.Reason}");
            }
            var p95 = step.Accepted.Count > 0 ? new Timing(step.Accepted).P95 : double.NaN;
            Console.WriteLine($"    {step.Accepted.Count} accepted in the window, {F(step.Accepted.Count / (double)seconds, "F2")} photos/s, p95 {F(p95, "F0")} ms");
            await Task.Delay(TimeSpan.FromSeconds(pause));
            if (!(p95 <= P95LimitMs)) // NaN (nothing accepted) stops as well
            {
                break;
            }
        }
    }

    /// <summary>
    /// A pool of fresh items per uploader, sized from the single-photo figures: the most requests a step can answer is
    /// N / (one photo's time), or the cores / (CPU per photo) when those run out first, plus a quarter. An uploader
    /// whose pool runs dry uploads to its last item again (an upload costs the same whatever the item already holds),
    /// so a short estimate never puts item creation into the timed phase; the table notes how often that happened.
    /// </summary>
    private static async Task<Guid[][]> CreateItemsAsync(Topology topology, SinglePhoto alone, int uploaders, int stepSeconds)
    {
        var byLatency = uploaders * 1000 / alone.Alone.Median;
        var byCpu = double.IsNaN(alone.CpuPerPhotoMs) || alone.CpuPerPhotoMs <= 0 ? byLatency : Environment.ProcessorCount * 1000 / alone.CpuPerPhotoMs;
        var total = (int)Math.Ceiling(1.25 * Math.Min(byLatency, byCpu) * stepSeconds) + uploaders;
        var perUploader = (int)Math.Ceiling(total / (double)uploaders) + 1;
        var items = new Guid[uploaders * perUploader];
        var creating = Stopwatch.StartNew();
        await Parallel.ForAsync(0, items.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (i, _) => items[i] = await topology.ItemNode.CreateItemAsync());
        Console.WriteLine($"  {items.Length} items created in {creating.Elapsed.TotalSeconds:F0} s");
        return [.. items.Chunk(perUploader)];
    }

    /// <summary>One N: the uploaders run until the window ends; the answers still owed are awaited, never cut off.</summary>
    private static async Task<StepResult> RunStepAsync(Topology topology, byte[] photo, int uploaders, int warmup, int seconds, Guid[][] items)
    {
        var load = ProcessStats.LoadAverage().Split(' ')[0];
        var outcomes = new ConcurrentBag<Outcome>();
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var running = Enumerable.Range(0, uploaders)
            .Select(u => Task.Run(() => UploaderAsync(topology, photo, items[u], clock, outcomes, stop.Token)))
            .ToArray();

        await DelayUntilAsync(clock, warmup);
        var cpu0 = topology.ServerCpu();
        var clientCpu0 = ProcessStats.CpuTime();
        await DelayUntilAsync(clock, warmup + seconds);
        var cpu1 = topology.ServerCpu();
        var clientCpu1 = ProcessStats.CpuTime();
        await stop.CancelAsync();
        await Task.WhenAll(running);

        var all = outcomes.ToList();
        var inWindow = all.Where(o => o.CompletedS >= warmup && o.CompletedS < warmup + seconds).ToList();
        var serverCores = cpu0.Zip(cpu1, (a, b) => a is { } s0 && b is { } s1 ? (s1 - s0).TotalSeconds / seconds : double.NaN).ToList();
        return new StepResult(uploaders, seconds, load, all, inWindow, serverCores, (clientCpu1 - clientCpu0).TotalSeconds / seconds);
    }

    private static async Task DelayUntilAsync(Stopwatch clock, double seconds)
    {
        var wait = seconds - clock.Elapsed.TotalSeconds;
        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(wait));
        }
    }

    /// <summary>One uploader: send, wait for the answer, send the next; after a 503 the Retry-After first, same item.</summary>
    private static async Task UploaderAsync(Topology topology, byte[] photo, Guid[] items, Stopwatch clock, ConcurrentBag<Outcome> outcomes, CancellationToken stop)
    {
        var next = 0;
        while (!stop.IsCancellationRequested)
        {
            var reused = next >= items.Length;
            var itemId = items[Math.Min(next, items.Length - 1)];
            var (node, http) = topology.Next();
            var outcome = await SendAsync(http, photo, itemId, node, reused, clock);
            outcomes.Add(outcome);
            if (outcome.Status != 503)
            {
                next++;
                continue;
            }
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Max(outcome.RetryAfter ?? 1, 0)), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One upload; never cancelled by the end of the step (a request cut off would look lost), only by the client's 2 min timeout.</summary>
    private static async Task<Outcome> SendAsync(HttpClient http, byte[] photo, Guid itemId, int node, bool reused, Stopwatch clock)
    {
        var sent = clock.Elapsed.TotalSeconds;
        try
        {
            using var form = AppUnderBench.PhotoForm(photo);
            using var response = await http.PostAsync(AppUnderBench.PhotosOf(itemId), form);
            var body = await response.Content.ReadAsStringAsync();
            var done = clock.Elapsed.TotalSeconds;
            var status = (int)response.StatusCode;
            string? reason = null, url = null;
            if (status == 201)
            {
                using var json = JsonDocument.Parse(body);
                url = json.RootElement.GetProperty("photos")[0].GetProperty("url").GetString();
            }
            else if (status == 503)
            {
                using var json = JsonDocument.Parse(body);
                reason = json.RootElement.TryGetProperty("reason", out var r) ? r.GetString() : "?";
            }
            else
            {
                reason = body.Length > 200 ? body[..200] : body;
            }
            int? retryAfter = response.Headers.RetryAfter?.Delta is { } delta ? (int)delta.TotalSeconds : null;
            return new Outcome(node, itemId, reused, sent, done, (done - sent) * 1000, status, reason, retryAfter, url);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or JsonException or KeyNotFoundException or IndexOutOfRangeException)
        {
            var done = clock.Elapsed.TotalSeconds;
            var kind = e is OperationCanceledException ? "client_timeout" : e is HttpRequestException or IOException ? "connection_error" : "unreadable_201";
            return new Outcome(node, itemId, reused, sent, done, (done - sent) * 1000, 0, kind, null, null);
        }
    }

    /// <summary>
    /// Every photo answered 201 in this topology, fetched again: through the other node when there are two (the one
    /// that did not take it in), so a photo kept on one node's disk or a row the other cannot see shows as missing.
    /// Returns how many could not be read.
    /// </summary>
    private static async Task<int> ReadBackAsync(Topology topology)
    {
        var accepted = topology.Steps.SelectMany(s => s.Outcomes).Where(o => o.Status == 201 && o.PhotoUrl is not null).ToList();
        var missing = new ConcurrentBag<string>();
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(accepted, new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (o, token) =>
        {
            var reader = topology.Clients[(o.Node + 1) % topology.Clients.Length];
            try
            {
                using var response = await reader.GetAsync(new Uri(o.PhotoUrl!, UriKind.Relative), token);
                var bytes = await response.Content.ReadAsByteArrayAsync(token);
                if (!response.IsSuccessStatusCode || bytes.Length == 0)
                {
                    missing.Add($"{o.PhotoUrl}: {(int)response.StatusCode}");
                }
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
            {
                missing.Add($"{o.PhotoUrl}: {e.GetType().Name}");
            }
        });
        topology.ReadBack = (accepted.Count, missing.Count, watch.Elapsed);
        foreach (var m in missing)
        {
            Console.Error.WriteLine($"  !!! ACCEPTED BUT NOT READABLE: {topology.Name}: {m}");
        }
        return missing.Count;
    }

    private static void WriteTable(BenchContext context, Topology topology, int seconds)
    {
        context.Md($"### {topology.Name}");
        context.Md();
        context.Md($"| uploaders | requests | photos/s accepted | p50 | p95 | max | 503 shed | lost/failed | server cores | load |");
        context.Md("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var step in topology.Steps)
        {
            var accepted = step.Accepted.Count > 0 ? new Timing(step.Accepted) : null;
            var shed = step.InWindow.Where(o => o.Status == 503).ToList();
            var lost = step.Outcomes.Where(o => o.IsLost).ToList();
            var cores = step.ServerCores.Count == 1
                ? F(step.ServerCores[0], "F2")
                : $"{F(step.ServerCores.Sum(), "F2")} ({string.Join(" + ", step.ServerCores.Select(c => F(c, "F2")))})";
            context.Md($"| {step.Uploaders} | {step.InWindow.Count} | {F(step.Accepted.Count / (double)seconds, "F2")} "
                + $"| {Seconds(accepted?.Median)} | {Seconds(accepted?.P95)} | {Seconds(accepted?.Max)} | {ShedText(shed)} "
                + $"| {(lost.Count == 0 ? "0" : $"**{lost.Count} LOST: {string.Join(", ", lost.GroupBy(o => o.Status == 0 ? o.Reason : o.Status.ToString(CultureInfo.InvariantCulture)).Select(g => $"{g.Count()} {g.Key}"))}**")} "
                + $"| {cores} | {step.LoadAverage} |");
        }
        context.Md();

        var notes = new List<string>();
        var reused = topology.Steps.Sum(s => s.Outcomes.Count(o => o.ItemReused));
        if (reused > 0)
        {
            notes.Add($"{reused} uploads went to an item that already had a photo (an uploader's pool ran dry; an upload costs the same either way)");
        }
        var bench = topology.Steps.Select(s => s.ClientCores).DefaultIfEmpty(double.NaN).Max();
        notes.Add($"the bench itself used at most {F(bench, "F2")} cores");
        var (count, missing, took) = topology.ReadBack;
        notes.Add(missing == 0
            ? $"all {count} accepted photos read back{(topology.Clients.Length > 1 ? " through the node that did not take them in" : "")} ({F(took.TotalSeconds)} s)"
            : $"**{missing} of {count} accepted photos COULD NOT BE READ BACK{(topology.Clients.Length > 1 ? " through the other node" : "")}**");
        context.Md(string.Concat(notes.Select((n, i) => (i == 0 ? char.ToUpperInvariant(n[0]) + n[1..] : n) + (i == notes.Count - 1 ? "." : "; "))));
        context.Md();

        var last = topology.Steps.LastOrDefault();
        var stopped = last is not null && !(last.Accepted.Count > 0 && new Timing(last.Accepted).P95 <= P95LimitMs)
            ? $"stopped after {last.Uploaders} uploader(s), whose p95 passed {F(P95LimitMs / 1000, "F0")} s"
            : $"every N kept p95 ≤ {F(P95LimitMs / 1000, "F0")} s";
        context.Md(Sustained(topology) is { } best
            ? $"{topology.Name}, sustained: **{F(best.PhotosPerSecond, "F2")} photos/s** with {best.Uploaders} uploader(s) (the highest N with p95 ≤ {F(P95LimitMs / 1000, "F0")} s: {Seconds(best.P95)}); {stopped}."
            : $"{topology.Name}, sustained: **none**: even 1 uploader's p95 passed {F(P95LimitMs / 1000, "F0")} s.");
        context.Md();
    }

    /// <summary>The highest N whose accepted p95 stayed within the limit, with its photos/s; null when none did.</summary>
    private static (int Uploaders, double PhotosPerSecond, double P95)? Sustained(Topology topology)
    {
        foreach (var step in Enumerable.Reverse(topology.Steps))
        {
            if (step.Accepted.Count > 0 && new Timing(step.Accepted).P95 <= P95LimitMs)
            {
                return (step.Uploaders, step.Accepted.Count / (double)step.Seconds, new Timing(step.Accepted).P95);
            }
        }
        return null;
    }

    private static void WriteVerdict(BenchContext context, int lost)
    {
        if (lost == 0)
        {
            context.Md("No request lost or failed: every upload was answered 201 or 503, and every photo answered 201 was read back.");
        }
        else
        {
            context.Md($"**FAILED: {lost} request(s) lost or failed, or accepted photos not readable (see the tables and the console).**");
            Console.Error.WriteLine($"!!! Scale section: {lost} request(s) lost or failed.");
        }
        context.Md();
    }

    private static string ShedText(List<Outcome> shed)
    {
        if (shed.Count == 0)
        {
            return "0";
        }
        var reasons = string.Join(", ", shed.GroupBy(o => o.Reason ?? "?").Select(g => $"{g.Count()} {g.Key}"));
        var withoutRetryAfter = shed.Count(o => o.RetryAfter is null);
        return $"{shed.Count} ({reasons}{(withoutRetryAfter > 0 ? $"; **{withoutRetryAfter} without Retry-After**" : "")})";
    }

    private static string Seconds(double? ms) => ms is { } v && !double.IsNaN(v) ? $"{F(v / 1000, "F2")} s" : "—";

    /// <summary>AppUnderBench's description, with secrets in connection strings left out of the report.</summary>
    private static string Describe(BenchContext context, AppUnderBench node)
    {
        var description = Secret().Replace(node.Describe(context), "$1=…");
        return node.ExtraEnvironment.ContainsKey("Database__Provider")
            ? description.Replace("SQLite and photos in a temporary directory", "database and photo store from --app-env, its own temporary data directory", StringComparison.Ordinal)
            : description;
    }

    [GeneratedRegex("(AccountKey|Password|SharedAccessSignature)=[^;*]*", RegexOptions.IgnoreCase)]
    private static partial Regex Secret();

    private sealed record SinglePhoto(Timing Alone, double CpuPerPhotoMs);

    private sealed record Outcome(
        int Node, Guid ItemId, bool ItemReused, double SentS, double CompletedS, double LatencyMs, int Status, string? Reason, int? RetryAfter, string? PhotoUrl)
    {
        /// <summary>Anything but 201 (kept) or 503 (shed, nothing kept, come back later) lost the photo.</summary>
        public bool IsLost => Status is not (201 or 503);
    }

    private sealed record StepResult(
        int Uploaders, int Seconds, string LoadAverage, List<Outcome> Outcomes, List<Outcome> InWindow, List<double> ServerCores, double ClientCores)
    {
        public List<double> Accepted { get; } = [.. InWindow.Where(o => o.Status == 201).Select(o => o.LatencyMs)];
    }

    /// <summary>One node or two behind a round-robin "balancer": a client per node, the steps measured so far.</summary>
    private sealed class Topology : IDisposable
    {
        private int _next = -1;

        public Topology(string name, IReadOnlyList<AppUnderBench> nodes, AppUnderBench itemNode)
        {
            Name = name;
            Nodes = nodes;
            ItemNode = itemNode;
            // Enough connections that no request waits for one (HTTP/1.1: one request per connection at a time).
            Clients = [.. nodes.Select(n => n.CreateClient(maxConnections: 64, TimeSpan.FromSeconds(120)))];
        }

        public string Name { get; }

        public IReadOnlyList<AppUnderBench> Nodes { get; }

        /// <summary>Node A: every item is created there (AppUnderBench's plate counter is per instance).</summary>
        public AppUnderBench ItemNode { get; }

        public HttpClient[] Clients { get; }

        public List<StepResult> Steps { get; } = [];

        public (int Count, int Missing, TimeSpan Took) ReadBack { get; set; }

        public int Lost => Steps.Sum(s => s.Outcomes.Count(o => o.IsLost));

        /// <summary>The next node in turn, request by request, across all uploaders.</summary>
        public (int Node, HttpClient Client) Next()
        {
            var node = (int)((uint)Interlocked.Increment(ref _next) % (uint)Clients.Length);
            return (node, Clients[node]);
        }

        public List<TimeSpan?> ServerCpu() => [.. Nodes.Select(n => n.ServerPid is { } pid ? ProcessStats.CpuTimeOf(pid) : null)];

        public void Dispose()
        {
            foreach (var client in Clients)
            {
                client.Dispose();
            }
        }
    }
}
