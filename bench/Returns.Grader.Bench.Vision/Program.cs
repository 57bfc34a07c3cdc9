using System.Diagnostics;
using System.Globalization;
using Returns.Grader.Bench.Vision;
using Returns.Grader.Bench.Vision.Inputs;
using Returns.Grader.Bench.Vision.Measurement;
using Returns.Grader.Bench.Vision.Sections;

// Issue 3's speed targets. Usage, from the repository root (docs/benchmarks.md has the measured run):
//   dotnet run -c Release --project bench/Returns.Grader.Bench.Vision [-- --model DIR] [--quick] [--skip|--only bdn,python,checks,inference,cpu,memory,api,load,scale] [--app-env KEY=VALUE] [--load-rates 1,2,3] [--load-seconds 30]
// Two-node rows of "scale": --app-env Database__Provider=Postgres --app-env "ConnectionStrings__Grader=Host=…;Database=<existing, unused>"
//   --app-env Grader__Storage__Provider=AzureBlob --app-env "ConnectionStrings__Blobs=…" (Sections/ScaleSection.cs; without them, one node only)
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var options = BenchArguments.Parse(args);
if (options.MemoryProbeMode is { } probeMode)
{
    return await MemorySection.ProbeAsync(probeMode, options.ModelDirectory, options.PhotoPath!, options.Concurrency);
}

var total = Stopwatch.StartNew();
var repoRoot = BenchArguments.FindRepoRoot();
var artifacts = Path.Combine(repoRoot, "BenchmarkDotNet.Artifacts", "vision");
var modelDirectory = Path.GetFullPath(Path.Combine(repoRoot, options.ModelDirectory));
if (!File.Exists(Path.Combine(modelDirectory, "model.onnx")))
{
    Console.Error.WriteLine($"No model.onnx in {modelDirectory}. Pass --model <dir> (e.g. models/training/runs/smoke/export).");
    return 2;
}
var photoPath = TestPhoto.Ensure(Path.Combine(artifacts, "inputs"));
var context = new BenchContext
{
    RepoRoot = repoRoot,
    ModelDirectory = modelDirectory,
    PhotoPath = photoPath,
    Photo = File.ReadAllBytes(photoPath),
    Artifacts = artifacts,
    Quick = options.Quick,
    Skip = options.Skip,
    AppEnvironment = options.AppEnvironment,
    LoadRates = options.LoadRates ?? (options.Quick ? [1, 4, 8] : [1, 2, 3, 4, 5, 6, 8]),
    LoadSeconds = options.LoadSeconds ?? (options.Quick ? 5 : 30),
};

var startedAt = DateTime.UtcNow;
var loadAtStart = ProcessStats.LoadAverage();
context.Md($"# Vision bench, {startedAt:yyyy-MM-dd HH:mm} UTC{(options.Quick ? " (QUICK smoke run: too few runs to report)" : "")}");
context.Md();
context.Md($"- Machine: {ProcessStats.Describe()}; load average at the start {loadAtStart}");
context.Md($"- Model: {Path.GetRelativePath(repoRoot, modelDirectory)}; photo: {Path.GetRelativePath(repoRoot, photoPath)} ({context.Photo.Length / 1048576.0:F2} MB, {TestPhoto.StoredWidth}×{TestPhoto.StoredHeight}, EXIF orientation {TestPhoto.Orientation})");
context.Md();

var ok = !context.Enabled("checks") || Checks.Run(context);
var suggestion = new SuggestionSection(context);
suggestion.Run();
if (context.Enabled("inference"))
{
    InferenceSection.Run(context);
}
if (context.Enabled("cpu"))
{
    CpuSection.Run(context);
}
if (context.Enabled("memory"))
{
    MemorySection.Run(context);
}
if (context.Enabled("api"))
{
    ok &= await ApiSection.RunAsync(context);
}
if (context.Enabled("load"))
{
    ok &= await LoadSection.RunAsync(context);
}
if (context.Enabled("scale"))
{
    ok &= await ScaleSection.RunAsync(context);
}
suggestion.WriteTargets();

context.Md();
context.Md($"Load average at the end {ProcessStats.LoadAverage()}; total wall time {total.Elapsed.TotalMinutes:F1} min.");
Directory.CreateDirectory(artifacts);
var reportPath = Path.Combine(artifacts, $"results-{startedAt:yyyyMMdd-HHmmss}.md");
File.WriteAllText(reportPath, context.Report.ToString());
Console.WriteLine($"{Environment.NewLine}Report written to {Path.GetRelativePath(repoRoot, reportPath)}");
return ok ? 0 : 1;
