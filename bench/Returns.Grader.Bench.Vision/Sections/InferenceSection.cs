using System.Text.Json;
using Returns.Grader.Bench.Vision.Measurement;
using Returns.Grader.Bench.Vision.Paths;
using Returns.Grader.Vision.Inference;
using static Returns.Grader.Bench.Vision.BenchContext;

namespace Returns.Grader.Bench.Vision.Sections;

/// <summary>
/// 3: model inference alone (GradeModel.Run, the app's session settings) at batch 1 and 8 with 2 and 1 intra-op
/// threads, against the machine's measured SGEMM peak: the best of 15 runs of numpy float32 matmul (OpenBLAS, 1024² and
/// 2048²) and of a single-MatMul ONNX graph through ONNX Runtime (MLAS, 1024²), whichever is faster, same threads.
/// </summary>
public static class InferenceSection
{
    public static void Run(BenchContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var flops = ModelFlops.FromManifest(context.ModelDirectory);
        var peaks = MeasurePeaks(context);

        var input = ModelPackage.Read(context.ModelDirectory).Manifest.Input;
        var tensor = new float[Preprocessing.TensorLength(input)];
        ModelInputDecoder.Decode(context.Photo, input, tensor);

        var rows = new List<string>();
        foreach (var threads in new[] { 2, 1 })
        {
            using var model = GradeModel.Load(context.ModelDirectory, new InferenceSettings(threads, 1, 8));
            foreach (var batch in new[] { 1, 8 })
            {
                var tensors = Enumerable.Repeat(tensor, batch).ToList();
                var timing = batch == 1
                    ? Timing.Measure(() => model.Run(tensors), context.Runs(10, 3), context.Runs(60, 10))
                    : Timing.Measure(() => model.Run(tensors), context.Runs(3, 1), context.Runs(15, 3));
                var imagesPerSecond = batch * 1000 / timing.Median;
                var gflops = flops is null ? double.NaN : flops.Total * imagesPerSecond / 1e9;
                var peak = peaks.GetValueOrDefault(threads);
                var share = flops is null || peak == 0 ? "—" : $"{F(100 * gflops / peak)} %";
                rows.Add($"| ONNX Runtime (GradeModel.Run), {threads} | {batch} | {F(timing.Median, "F2")} ms | {F(timing.P95, "F2")} ms | {F(timing.Median / batch, "F2")} ms | {F(imagesPerSecond, "F0")} | {F(gflops)} | {share} |");
            }
        }

        context.Md("## 3. Model inference alone");
        context.Md();
        if (flops is not null)
        {
            context.Md($"Network ({flops.Config}): {F(flops.Total / 1e9, "F3")} GFLOP per image = stem convolutions {F(flops.StemFlops / 1e9, "F3")} + linear layers {F(flops.LinearFlops / 1e9, "F3")} + attention matmuls {F(flops.AttentionFlops / 1e9, "F3")} (2 FLOPs per multiply-add, counted from model.json's architecture; norms/GELU/softmax left out).");
        }
        if (context.PythonBaselines.Values.FirstOrDefault() is { ValueKind: JsonValueKind.Object } python)
        {
            var profiled = python.GetProperty("flops").GetProperty("per_image_matrix_ops").GetDouble();
            context.Md($"torch.profiler counts {F(profiled / 1e9, "F3")} GFLOP per image for conv2d + addmm + bmm ({(flops is not null && Math.Abs(profiled - flops.Total) < flops.Total * 0.001 ? "agrees" : "DISAGREES")}).");
        }
        context.Md();
        context.Md("| Runtime, intra-op threads | Batch | Median per batch | P95 | Per image | Images/s | GFLOP/s | Share of SGEMM peak (same threads) |");
        context.Md("|---|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var (threads, baseline) in context.PythonBaselines.OrderByDescending(p => p.Key))
        {
            var inference = baseline.GetProperty("inference");
            foreach (var batch in new[] { 1, 8 })
            {
                var timing = inference.GetProperty($"batch{batch}");
                var median = timing.GetProperty("median_ms").GetDouble();
                var gflops = flops is null ? double.NaN : flops.Total * batch / median / 1e6;
                var peak = peaks.GetValueOrDefault(threads);
                var share = flops is null || peak == 0 ? "—" : $"{F(100 * gflops / peak)} %";
                rows.Add($"| PyTorch eager, {threads} | {batch} | {F(median, "F2")} ms | {F(timing.GetProperty("p95_ms").GetDouble(), "F2")} ms | {F(median / batch, "F2")} ms | {F(batch * 1000 / median, "F0")} | {F(gflops)} | {share} |");
            }
        }
        foreach (var row in rows)
        {
            context.Md(row);
        }
        context.Md();
    }

    /// <summary>GFLOP/s by thread count: the faster of OpenBLAS (numpy) and ONNX Runtime's MatMul.</summary>
    private static Dictionary<int, double> MeasurePeaks(BenchContext context)
    {
        var onnxPath = Path.Combine(context.Artifacts, "matmul-1024.onnx");
        var peaks = new Dictionary<int, double>();
        var lines = new List<string>();
        foreach (var threads in new[] { 2, 1 })
        {
            var numpy = PythonRunner.Run(context.RepoRoot, "sgemm.py",
                ["--n", "1024", "2048", "--runs", context.Runs(15, 5).ToString(System.Globalization.CultureInfo.InvariantCulture), "--onnx-out", onnxPath],
                openBlasThreads: threads, Console.Out, TimeSpan.FromMinutes(2));
            double blas = 0;
            string blasText = "numpy: not measured";
            if (numpy is not null)
            {
                var results = numpy.RootElement.GetProperty("results").EnumerateArray().ToList();
                blas = results.Max(r => r.GetProperty("gflops_best").GetDouble());
                blasText = $"numpy/OpenBLAS ({numpy.RootElement.GetProperty("openblas").GetString()?.Split(' ').ElementAtOrDefault(5)} kernels) " +
                    string.Join(", ", results.Select(r => $"{r.GetProperty("n").GetInt32()}²: {F(r.GetProperty("gflops_best").GetDouble())} best, {F(r.GetProperty("gflops_median").GetDouble())} median"));
            }
            double ort = 0, ortMedian = 0;
            if (File.Exists(onnxPath))
            {
                const int n = 1024;
                var random = new Random(1);
                var a = Enumerable.Range(0, n * n).Select(_ => random.NextSingle()).ToArray();
                var b = Enumerable.Range(0, n * n).Select(_ => random.NextSingle()).ToArray();
                using var session = new RawSession(onnxPath, threads, allowSpinning: null, [n, n]);
                var timing = Timing.Measure(() => session.Run(a, b), 3, context.Runs(15, 5));
                ort = 2.0 * n * n * n / (timing.Min / 1000) / 1e9;
                ortMedian = 2.0 * n * n * n / (timing.Median / 1000) / 1e9;
            }
            peaks[threads] = Math.Max(blas, ort);
            lines.Add($"- {threads} thread{(threads > 1 ? "s" : "")}: {blasText}; ONNX Runtime (MLAS) MatMul 1024²: {F(ort)} best, {F(ortMedian)} median → peak **{F(peaks[threads])} GFLOP/s**");
        }
        context.Md("## 3a. Matrix-multiply peak of this machine (float32 SGEMM, GFLOP/s; peak = best run)");
        context.Md();
        foreach (var line in lines)
        {
            context.Md(line);
        }
        context.Md();
        return peaks;
    }
}
