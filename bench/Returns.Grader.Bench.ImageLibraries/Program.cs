using System.Diagnostics;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Order;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;
using Perfolizer.Metrology;
using Perfolizer.Mathematics.OutlierDetection;
using Returns.Grader.Bench.ImageLibraries;
using Returns.Grader.Bench.ImageLibraries.Inputs;
using Returns.Grader.Bench.ImageLibraries.Measurement;

// SkiaSharp vs NetVips for photo intake. Usage (from the repo root):
//   nice -n 10 dotnet run -c Release --project bench/Returns.Grader.Bench.ImageLibraries [-- --check-only | BenchmarkDotNet args]
var total = Stopwatch.StartNew();
var checkOnly = args.Contains("--check-only");
var benchmarkArgs = args.Where(a => a != "--check-only").ToArray();

var artifacts = Path.Combine(Environment.CurrentDirectory, "BenchmarkDotNet.Artifacts");
var inputs = Path.Combine(artifacts, "image-inputs");

EnvironmentReport.Write(Console.Out);

var generation = Stopwatch.StartNew();
var photos = TestPhotos.Create(inputs);
Console.WriteLine($"{Environment.NewLine}Generated inputs in {generation.Elapsed.TotalSeconds:F1} s under {inputs} (not committed)");

if (!new CorrectnessChecks(Console.Out).Run(photos))
{
    return 1;
}

StageBreakdown.Write(Console.Out, File.ReadAllBytes(photos.JpegPath));

if (checkOnly)
{
    return 0;
}

// Each benchmark runs in its own process, one image per iteration: 3 warm-ups, then 25 measured iterations.
// Monitoring = no pilot/overhead stages (these are 10–400 ms operations); outliers are kept so P95 is honest.
var job = Job.Default
    .WithId("25 runs")
    .WithStrategy(RunStrategy.Monitoring)
    .WithLaunchCount(1)
    .WithWarmupCount(3)
    .WithIterationCount(25)
    .WithInvocationCount(1)
    .WithUnrollFactor(1)
    .WithOutlierMode(OutlierMode.DontRemove)
    .WithGcServer(false)
    .WithGcConcurrent(false)
    .WithEnvironmentVariables(
        new EnvironmentVariable(ImageLibraryBenchmarks.InputsVariable, inputs),
        new EnvironmentVariable("VIPS_CONCURRENCY", "1"));

var config = DefaultConfig.Instance
    .WithArtifactsPath(artifacts)
    .AddJob(job)
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddColumn(StatisticColumn.Median, StatisticColumn.P95, StatisticColumn.Min, StatisticColumn.Max)
    .AddColumn(new PeakRssColumn(inputs, growth: false), new PeakRssColumn(inputs, growth: true))
    .HideColumns(Column.Error, Column.StdDev, Column.Gen0, Column.Gen1, Column.Gen2)
    .AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory)
    .WithOrderer(new DefaultOrderer(SummaryOrderPolicy.Declared))
    .WithSummaryStyle(SummaryStyle.Default.WithTimeUnit(TimeUnit.Millisecond).WithSizeUnit(SizeUnit.KB));

var summary = BenchmarkRunner.Run<ImageLibraryBenchmarks>(config, benchmarkArgs);

Console.WriteLine($"{Environment.NewLine}Total wall time {total.Elapsed.TotalMinutes:F1} min; load average at the end {EnvironmentReport.LoadAverage()}");
return summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success) ? 1 : 0;
