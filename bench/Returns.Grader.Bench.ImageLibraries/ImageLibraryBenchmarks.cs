using BenchmarkDotNet.Attributes;
using Returns.Grader.Bench.ImageLibraries.Inputs;
using Returns.Grader.Bench.ImageLibraries.Measurement;
using Returns.Grader.Bench.ImageLibraries.Pipelines;

namespace Returns.Grader.Bench.ImageLibraries;

/// <summary>
/// One process per benchmark (BenchmarkDotNet's default), so each row's peak RSS belongs to that path and
/// library alone. Inputs are generated once by Program and read from <see cref="InputsVariable"/>.
/// </summary>
public class ImageLibraryBenchmarks
{
    public const string InputsVariable = "RG_BENCH_IMAGE_INPUTS";

    private string directory = "";
    private string current = "";
    private byte[] jpeg = [];
    private byte[] png = [];
    private long rssAfterSetupKb;

    [GlobalSetup]
    public void Setup()
    {
        directory = Environment.GetEnvironmentVariable(InputsVariable)
            ?? throw new InvalidOperationException($"{InputsVariable} is not set; run through Program.");
        jpeg = File.ReadAllBytes(Path.Combine(directory, TestPhotos.JpegFileName));
        png = File.ReadAllBytes(Path.Combine(directory, TestPhotos.PngFileName));
        ProcessMemory.TryResetPeak();
        rssAfterSetupKb = ProcessMemory.CurrentKb();
    }

    [GlobalCleanup]
    public void Cleanup() =>
        File.WriteAllText(PeakRssColumn.RecordPath(directory, current), $"{rssAfterSetupKb} {ProcessMemory.PeakKb()}");

    [Benchmark, BenchmarkCategory("a. intake: JPEG → upright 2048 JPEG q85")]
    public StoredCopy IntakeSkiaSharpFullDecode()
    {
        current = nameof(IntakeSkiaSharpFullDecode);
        return SkiaPipelines.Intake(jpeg, SkiaIntakeMode.FullDecodeMitchell);
    }

    [Benchmark, BenchmarkCategory("a. intake: JPEG → upright 2048 JPEG q85")]
    public StoredCopy IntakeSkiaSharpScaledDecode()
    {
        current = nameof(IntakeSkiaSharpScaledDecode);
        return SkiaPipelines.Intake(jpeg, SkiaIntakeMode.ScaledDecodeBilinear);
    }

    [Benchmark, BenchmarkCategory("a. intake: JPEG → upright 2048 JPEG q85")]
    public StoredCopy IntakeNetVips()
    {
        current = nameof(IntakeNetVips);
        return VipsPipelines.Intake(jpeg);
    }

    [Benchmark, BenchmarkCategory("b. inference: JPEG → 224×224 CHW float")]
    public ModelInput InferenceSkiaSharp()
    {
        current = nameof(InferenceSkiaSharp);
        return SkiaPipelines.PrepareModelInput(jpeg);
    }

    [Benchmark, BenchmarkCategory("b. inference: JPEG → 224×224 CHW float")]
    public ModelInput InferenceNetVips()
    {
        current = nameof(InferenceNetVips);
        return VipsPipelines.PrepareModelInput(jpeg);
    }

    [Benchmark, BenchmarkCategory("c. PNG → 224×224 CHW float")]
    public ModelInput PngSkiaSharp()
    {
        current = nameof(PngSkiaSharp);
        return SkiaPipelines.PrepareModelInput(png);
    }

    [Benchmark, BenchmarkCategory("c. PNG → 224×224 CHW float")]
    public ModelInput PngNetVips()
    {
        current = nameof(PngNetVips);
        return VipsPipelines.PrepareModelInput(png);
    }
}
