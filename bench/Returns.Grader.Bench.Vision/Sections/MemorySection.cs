using System.Diagnostics;
using System.Text.Json;
using Returns.Grader.Bench.Vision.Measurement;
using Returns.Grader.Vision.Inference;
using Returns.Grader.Vision.Photos;
using static Returns.Grader.Bench.Vision.BenchContext;

namespace Returns.Grader.Bench.Vision.Sections;

/// <summary>
/// 5: peak working set while 8 photos (12 MP) are graded at once through the intake path (Sanitize → RunAsync →
/// Interpret, 8 concurrent tasks), each measurement in a fresh process of this bench so earlier work does not hide
/// growth. "unbounded": 8 decodes really at once (8 pool threads). "app": decodes gated like PhotoIntake
/// (MaxConcurrentDecodes = cores). Inference is gated by GradeModel (MaxConcurrentRuns 1) in both.
/// </summary>
public static class MemorySection
{
    public static void Run(BenchContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Md("## 5. Memory: 8 photos of 12 MP graded at once (Sanitize + RunAsync + Interpret)");
        context.Md();
        context.Md("| Decodes at once | RSS before (model loaded, one photo done) | Peak RSS (VmHWM) | Growth | Wall for all 8 | Managed heap after |");
        context.Md("|---|--:|--:|--:|--:|--:|");
        foreach (var mode in new[] { "unbounded", "app" })
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in new[] { "--memory-probe", mode, "--model", context.ModelDirectory, "--photo", context.PhotoPath })
            {
                start.ArgumentList.Add(argument);
            }
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                context.Md($"| {mode} | failed: {stderr.Result.Trim().ReplaceLineEndings(" ")} | | | | |");
                continue;
            }
            using var json = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
            var r = json.RootElement;
            double Mb(string key) => r.GetProperty(key).GetInt64() / 1024.0;
            var label = mode == "unbounded" ? "8 (no gate)" : $"{r.GetProperty("gate").GetInt32()} (app: MaxConcurrentDecodes = cores)";
            context.Md($"| {label} | {F(Mb("before_kb"), "F0")} MB | {F(Mb("peak_kb"), "F0")} MB | {F(Mb("peak_kb") - Mb("before_kb"), "F0")} MB | {F(r.GetProperty("wall_ms").GetDouble(), "F0")} ms | {F(r.GetProperty("managed_kb").GetInt64() / 1024.0, "F0")} MB |");
        }
        context.Md();
    }

    /// <summary>The child process: prints one JSON line.</summary>
    public static async Task<int> ProbeAsync(string mode, string modelDirectory, string photoPath, int concurrency)
    {
        var jpeg = await File.ReadAllBytesAsync(photoPath);
        using var model = GradeModel.Load(modelDirectory, InferenceSettings.Default);
        var limits = PhotoLimits.Default;
        var gate = mode == "app" ? Environment.ProcessorCount : concurrency;
        if (mode == "unbounded")
        {
            ThreadPool.GetMinThreads(out _, out var io);
            ThreadPool.SetMinThreads(concurrency, io);
        }
        using var decodes = new SemaphoreSlim(gate);

        async Task<PhotoSuggestion> GradeAsync()
        {
            SanitizedPhoto photo;
            await decodes.WaitAsync();
            try
            {
                photo = await Task.Run(() => PhotoSanitizer.Sanitize(jpeg, limits, model.Manifest.Input));
            }
            finally
            {
                decodes.Release();
            }
            var output = await model.RunAsync([photo.ModelInput!], CancellationToken.None);
            return model.Interpret(output[0], photo.Width, photo.Height);
        }

        await GradeAsync(); // JIT, ONNX Runtime arenas, Skia caches: part of "before"
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var before = ProcessStats.RssKb();
        if (!ProcessStats.TryResetPeak())
        {
            await Console.Error.WriteLineAsync("cannot reset VmHWM");
            return 1;
        }
        var watch = Stopwatch.StartNew();
        var suggestions = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(GradeAsync)));
        var wall = watch.Elapsed.TotalMilliseconds;
        var peak = ProcessStats.PeakRssKb();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            mode,
            gate,
            before_kb = before,
            peak_kb = peak,
            wall_ms = wall,
            managed_kb = GC.GetTotalMemory(false) / 1024,
            grades = suggestions.Select(s => s.Grade).Distinct().ToArray(),
        }));
        return 0;
    }
}
