using System.Text.Json;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;
using Perfolizer.Mathematics.OutlierDetection;
using Returns.Grader.Bench.Vision.Measurement;
using static Returns.Grader.Bench.Vision.BenchContext;

namespace Returns.Grader.Bench.Vision.Sections;

/// <summary>
/// 1 + 2: photo bytes → suggestion in C# (BenchmarkDotNet, paths a and b) and the usual Python pipeline on the same
/// photo in the same run, in one table; then the targets (written last, after the API section has its number).
/// </summary>
public sealed class SuggestionSection(BenchContext context)
{
    private const double TargetInProcessMs = 60;
    private const double TargetSpeedup = 3;
    private const double TargetApiMs = 300;

    private Timing? _inference;
    private Timing? _intake;
    private readonly Dictionary<int, Timing> _pythonUsual = [];

    public void Run()
    {
        var rows = new List<(string Path, Timing Timing, string Extra)>();
        if (context.Enabled("bdn"))
        {
            foreach (var (name, timing, allocated) in RunBenchmarkDotNet())
            {
                rows.Add((name, timing, allocated));
                if (name.StartsWith("C# a.", StringComparison.Ordinal))
                {
                    _inference = timing;
                }
                else
                {
                    _intake = timing;
                }
            }
        }

        if (context.Enabled("python"))
        {
            // The brief's configuration (2 threads everywhere), then 1 thread: on these 2 vCPUs PyTorch's 2-thread pool
            // stalls right after the single-threaded PIL work, so the 1-thread run is the fairer (faster) baseline.
            foreach (var threads in new[] { 2, 1 })
            {
                Console.WriteLine($"Python baseline (bench/python/baseline.py), {threads} thread(s)…");
                using var python = PythonRunner.Run(context.RepoRoot, "baseline.py",
                    ["--photo", context.PhotoPath, "--model", context.ModelDirectory, "--threads", Invariant(threads),
                     "--runs", Invariant(context.Runs(20, 5)), "--warmup", Invariant(context.Runs(3, 1))],
                    openBlasThreads: threads, Console.Out, TimeSpan.FromMinutes(5));
                if (python is null)
                {
                    continue;
                }
                context.PythonBaselines[threads] = python.RootElement.Clone();
                var variants = python.RootElement.GetProperty("variants");
                foreach (var (key, label) in new[] { ("usual", "Python usual: PIL open → exif_transpose → RGB → resize, torch eager"), ("draft", "Python + `draft()` shrink-on-load (as models/training/dataset.py)") })
                {
                    var v = variants.GetProperty(key);
                    var timing = new Timing(v.GetProperty("end_to_end").GetProperty("runs_ms").EnumerateArray().Select(e => e.GetDouble()).ToList());
                    var stages = v.GetProperty("stages_median_ms");
                    rows.Add(($"{label}; torch + OpenBLAS {threads} thread{(threads > 1 ? "s" : "")}", timing,
                        $"stage medians: image {F(stages.GetProperty("image").GetDouble())} + tensor {F(stages.GetProperty("tensor").GetDouble())} + infer/regions {F(stages.GetProperty("infer_regions").GetDouble())} ms"));
                    if (key == "usual")
                    {
                        _pythonUsual[threads] = timing;
                    }
                }
            }
        }

        if (rows.Count == 0)
        {
            return; // bdn and python skipped
        }
        context.Md("## 1–2. 12 MP JPEG bytes → suggestion, C# and Python in the same run");
        context.Md();
        if (context.PythonBaselines.Values.FirstOrDefault() is { ValueKind: JsonValueKind.Object } p)
        {
            context.Md($"Python {p.GetProperty("python").GetString()}, torch {p.GetProperty("torch").GetString()}, PIL {p.GetProperty("pil").GetString()}, numpy {p.GetProperty("numpy").GetString()}, {p.GetProperty("openblas").GetString()}; OPENBLAS_NUM_THREADS = torch threads as named in each row.");
            context.Md();
        }
        context.Md("| Path | Median | P95 | Min–max | Runs | ÷ C# (a) | Notes |");
        context.Md("|---|--:|--:|--:|--:|--:|---|");
        foreach (var (path, timing, extra) in rows)
        {
            var ratio = _inference is null ? "—" : $"{F(timing.Median / _inference.Median)}×";
            context.Md($"| {path} | {F(timing.Median)} ms | {F(timing.P95)} ms | {F(timing.Min)}–{F(timing.Max)} ms | {timing.Count} | {ratio} | {extra} |");
        }
        context.Md();
    }

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void WriteTargets()
    {
        if (_inference is null && _intake is null && context.ApiUpload is null)
        {
            return; // nothing measured that has a target
        }
        context.Md("## Targets");
        context.Md();
        context.Md("| Target | Measured | Met |");
        context.Md("|---|--:|:-:|");
        if (_inference is not null)
        {
            context.Md($"| (a) bytes → suggestion, median ≤ {TargetInProcessMs} ms | {F(_inference.Median)} ms | {Mark(_inference.Median <= TargetInProcessMs)} |");
        }
        if (_intake is not null)
        {
            context.Md($"| (b) the app's intake path, same bound (for information) | {F(_intake.Median)} ms | {Mark(_intake.Median <= TargetInProcessMs)} |");
        }
        foreach (var (threads, python) in _pythonUsual)
        {
            foreach (var (name, timing) in new[] { ("(a)", _inference), ("(b)", _intake) })
            {
                if (timing is not null)
                {
                    var speedup = python.Median / timing.Median;
                    context.Md($"| {name} ≥ {TargetSpeedup}× faster than the usual Python pipeline, torch {threads} thread{(threads > 1 ? "s" : "")}{(name == "(b)" ? " (for information)" : "")} | {F(speedup)}× | {Mark(speedup >= TargetSpeedup)} |");
                }
            }
        }
        if (context.ApiUpload is { } api)
        {
            context.Md($"| API upload, median ≤ {TargetApiMs} ms | {F(api.Median)} ms (p95 {F(api.P95)} ms) | {Mark(api.Median <= TargetApiMs)} |");
        }
    }

    private static string Mark(bool met) => met ? "yes" : "**no**";

    private List<(string Name, Timing Timing, string Allocated)> RunBenchmarkDotNet()
    {
        // One process per benchmark: 3 warm-ups, then 25 measured iterations of one photo each. Monitoring = no
        // pilot/overhead stages (these are 30–200 ms operations); outliers are kept so P95 counts the slow runs.
        var job = Job.Default
            .WithId("photo")
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(context.Runs(3, 1))
            .WithIterationCount(context.Runs(25, 5))
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithOutlierMode(OutlierMode.DontRemove)
            .WithGcServer(false)
            .WithGcConcurrent(false)
            .WithEnvironmentVariables(
                new EnvironmentVariable(SuggestionBenchmarks.ModelVariable, context.ModelDirectory),
                new EnvironmentVariable(SuggestionBenchmarks.PhotoVariable, context.PhotoPath));
        var config = ManualConfig.CreateEmpty()
            .AddLogger(ConsoleLogger.Default)
            .AddColumnProvider(DefaultConfig.Instance.GetColumnProviders().ToArray())
            .AddExporter(DefaultConfig.Instance.GetExporters().ToArray())
            .WithArtifactsPath(Path.Combine(context.Artifacts, "bdn"))
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithOrderer(new DefaultOrderer(SummaryOrderPolicy.Declared))
            .WithSummaryStyle(SummaryStyle.Default.WithTimeUnit(TimeUnit.Millisecond));
        var summary = BenchmarkRunner.Run<SuggestionBenchmarks>(config);

        var rows = new List<(string, Timing, string)>();
        foreach (var report in summary.Reports)
        {
            if (!report.Success || report.ResultStatistics is null)
            {
                Console.Error.WriteLine($"Benchmark {report.BenchmarkCase.DisplayInfo} failed.");
                continue;
            }
            var measured = report.AllMeasurements
                .Where(m => m.IterationMode == BenchmarkDotNet.Engines.IterationMode.Workload && m.IterationStage == IterationStage.Actual)
                .Select(m => m.Nanoseconds / 1e6 / m.Operations).ToList();
            var allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) is { } bytes ? $"managed alloc. {bytes / 1024.0:F0} KB/photo" : "";
            var name = report.BenchmarkCase.Descriptor.WorkloadMethod.Name == nameof(SuggestionBenchmarks.InferencePath)
                ? "C# a. inference path: n/8 decode (manifest factor; see Checks) → orient + resize → tensor → Run → regions"
                : "C# b. app intake path: Sanitize (kept copy + tensor) → Run → regions";
            rows.Add(($"{name}", new Timing(measured), allocated));
        }
        return rows;
    }
}
