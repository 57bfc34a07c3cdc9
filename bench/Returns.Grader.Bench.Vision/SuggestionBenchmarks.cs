using BenchmarkDotNet.Attributes;
using Returns.Grader.Bench.Vision.Paths;
using Returns.Grader.Vision.Inference;
using Returns.Grader.Vision.Photos;

namespace Returns.Grader.Bench.Vision;

/// <summary>
/// 12 MP JPEG bytes → suggestion, one photo per iteration, in BenchmarkDotNet's own process. The model is loaded with
/// the app's settings (InferenceSettings.Default: intra-op threads = cores, no spinning, one run at a time).
/// </summary>
public class SuggestionBenchmarks
{
    public const string ModelVariable = "GRADER_BENCH_MODEL";
    public const string PhotoVariable = "GRADER_BENCH_PHOTO";

    private GradeModel _model = null!;
    private byte[] _jpeg = [];

    [GlobalSetup]
    public void Setup()
    {
        _model = GradeModel.Load(Required(ModelVariable), InferenceSettings.Default);
        _jpeg = File.ReadAllBytes(Required(PhotoVariable));
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    [Benchmark(Description = "a. inference path: shrink-on-load decode, orient, resize, tensor, infer, regions")]
    public PhotoSuggestion InferencePath() => SuggestionPaths.InferencePath(_model, _jpeg);

    [Benchmark(Description = "b. intake path: PhotoSanitizer.Sanitize (stored copy + tensor), Run, Interpret")]
    public PhotoSuggestion IntakePath() => SuggestionPaths.IntakePath(_model, _jpeg, PhotoLimits.Default).Suggestion;

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : throw new InvalidOperationException($"{name} is not set.");
}
