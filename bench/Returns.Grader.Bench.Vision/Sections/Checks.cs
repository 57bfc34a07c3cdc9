using System.Diagnostics;
using Returns.Grader.Bench.Vision.Inputs;
using Returns.Grader.Bench.Vision.Measurement;
using Returns.Grader.Bench.Vision.Paths;
using Returns.Grader.Vision.Inference;
using Returns.Grader.Vision.Photos;
using SkiaSharp;
using static Returns.Grader.Bench.Vision.BenchContext;

namespace Returns.Grader.Bench.Vision.Sections;

/// <summary>
/// Before timing anything: both paths must produce an upright, correctly normalized tensor and a suggestion. Then a
/// per-stage breakdown of each path (Stopwatch, diagnostic; the headline numbers come from BenchmarkDotNet).
/// </summary>
public static class Checks
{
    public static bool Run(BenchContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var model = GradeModel.Load(context.ModelDirectory, InferenceSettings.Default);
        var input = model.Manifest.Input;
        var jpeg = context.Photo;
        var ok = true;

        context.Md("## Checks");
        using (var data = SKData.CreateCopy(jpeg))
        using (var codec = SKCodec.Create(data))
        {
            var size = ModelInputDecoder.ChooseDecodeSize(codec, input);
            context.Md($"- Model input {input.Width}×{input.Height}; path (a) decodes at {size.Width}×{size.Height} ({size.Width * 8 / codec.Info.Width}/8 of {codec.Info.Width}×{codec.Info.Height}), origin {codec.EncodedOrigin}.");
        }

        var tensorA = new float[Preprocessing.TensorLength(input)];
        var (uprightWidth, uprightHeight) = ModelInputDecoder.Decode(jpeg, input, tensorA);
        var sanitized = PhotoSanitizer.Sanitize(jpeg, PhotoLimits.Default, input);
        var tensorB = sanitized.ModelInput!;
        ok &= Expect(context, uprightWidth == TestPhoto.StoredHeight && uprightHeight == TestPhoto.StoredWidth,
            $"path (a) reports the upright photo as {uprightWidth}×{uprightHeight} (portrait)");
        ok &= Expect(context, sanitized.Width < sanitized.Height, $"path (b) stores {sanitized.Width}×{sanitized.Height} (portrait)");
        ok &= Expect(context, MarkerAtTopRight(tensorA, input), "path (a) tensor: the red marker of the stored top-left is at the upright top-right");
        ok &= Expect(context, MarkerAtTopRight(tensorB, input), "path (b) tensor: the same");
        var levels = MeanAbsLevels(tensorA, tensorB, input);
        context.Md($"- Tensors (a) and (b) differ by {F(levels, "F2")} of 255 levels on average (n/8 decode → antialiased resize, vs the kept copy's decode → upright copy → antialiased resize).");

        var a = SuggestionPaths.InferencePath(model, jpeg);
        var (b, _) = SuggestionPaths.IntakePath(model, jpeg, PhotoLimits.Default);
        context.Md($"- Suggestions: (a) {a.Grade} {F(a.Confidence, "F3")}, {a.Regions.Count} regions; (b) {b.Grade} {F(b.Confidence, "F3")}, {b.Regions.Count} regions; model {model.Manifest.ModelVersion}.");
        context.Md();
        WriteStages(context, model, jpeg);
        return ok;
    }

    private static void WriteStages(BenchContext context, GradeModel model, byte[] jpeg)
    {
        var input = model.Manifest.Input;
        var runs = context.Runs(15, 3);
        var tensor = new float[Preprocessing.TensorLength(input)];
        var pixels = new byte[input.Width * input.Height * 4];
        var stages = new Dictionary<string, List<double>>();
        void Add(string name, long since) => (stages.TryGetValue(name, out var list) ? list : stages[name] = []).Add(Stopwatch.GetElapsedTime(since).TotalMilliseconds);

        for (var i = 0; i < runs + 2; i++)
        {
            var t = Stopwatch.GetTimestamp();
            using var data = SKData.CreateCopy(jpeg);
            using var codec = SKCodec.Create(data);
            Add("a1. copy bytes + open codec (header)", t);
            t = Stopwatch.GetTimestamp();
            using var decoded = ModelInputDecoder.DecodeForModel(codec, input);
            Add($"a2. decode at {decoded.Width}×{decoded.Height}", t);
            t = Stopwatch.GetTimestamp();
            Preprocessing.FromBitmap(decoded, input, tensor, codec.EncodedOrigin);
            Add($"a3. orient + resize to {input.Width}×{input.Height} + normalize", t);
            t = Stopwatch.GetTimestamp();
            Preprocessing.Normalize(pixels, 4, input, tensor);
            Add($"a3'. of which Preprocessing.Normalize ({input.Width}×{input.Height} RGBA → CHW floats)", t);
            t = Stopwatch.GetTimestamp();
            var output = model.Run([tensor])[0];
            Add("a4. GradeModel.Run (batch 1)", t);
            t = Stopwatch.GetTimestamp();
            model.Interpret(output, 3024, 4032);
            Add("a5. Interpret (softmax, sigmoid, regions)", t);

            t = Stopwatch.GetTimestamp();
            var stored = PhotoSanitizer.Sanitize(jpeg, PhotoLimits.Default);
            Add("b1. Sanitize without the model (stored copy only)", t);
            SanitizeStages(jpeg, Add);
            t = Stopwatch.GetTimestamp();
            PhotoSanitizer.Sanitize(jpeg, PhotoLimits.Default, input);
            Add("b2. Sanitize with the model input (the app's call)", t);
            using var upright = SKBitmap.Decode(stored.Jpeg);
            t = Stopwatch.GetTimestamp();
            Preprocessing.FromBitmap(upright, input, tensor);
            Add($"b3. of which Preprocessing.FromBitmap on the {upright.Width}×{upright.Height} copy", t);
            t = Stopwatch.GetTimestamp();
            PhotoQuality.Assess(upright);
            Add($"b4. of which PhotoQuality.Assess (dark, over-exposure and blur checks) on the {upright.Width}×{upright.Height} copy", t);
        }

        context.Md($"Where the time goes (Stopwatch, median of {runs} after 2 warm-ups, one thread except Run; diagnostic):");
        context.Md();
        context.Md("| Stage | Median |");
        context.Md("|---|--:|");
        foreach (var (name, ms) in stages)
        {
            context.Md($"| {name} | {F(new Timing(ms.Skip(2).ToList()).Median)} ms |");
        }
        context.Md();
    }

    /// <summary>b1's steps one at a time, each PhotoSanitizer's own: shrink-on-load decode, upright (draw), encode.</summary>
    private static void SanitizeStages(byte[] jpeg, Action<string, long> add)
    {
        var limits = PhotoLimits.Default;
        var t = Stopwatch.GetTimestamp();
        using var data = SKData.CreateCopy(jpeg);
        using var codec = SKCodec.Create(data) ?? throw new InvalidDataException("The bench photo does not decode.");
        using var decoded = PhotoSanitizer.DecodeForKeeping(codec, limits.StoredMaxLongSide);
        add($"b1a. of which copy bytes + decode to {decoded.Width}×{decoded.Height}", t);
        t = Stopwatch.GetTimestamp();
        using var drawn = PhotoSanitizer.DrawUpright(decoded, codec.EncodedOrigin, codec.Info.IsOpaque, limits.StoredMaxLongSide);
        var upright = drawn ?? decoded;
        add(drawn is null
            ? "b1b. of which upright: nothing to draw"
            : $"b1b. of which orient{(upright.Width * upright.Height != decoded.Width * decoded.Height ? " + bilinear resize" : "")} to {upright.Width}×{upright.Height}", t);
        t = Stopwatch.GetTimestamp();
        using var encoded = upright.Encode(SKEncodedImageFormat.Jpeg, limits.JpegQuality);
        add($"b1c. of which JPEG encode at quality {limits.JpegQuality}", t);
    }

    /// <summary>Red (R high, G and B low) at the upright top-right, not at the top-left.</summary>
    private static bool MarkerAtTopRight(float[] tensor, ManifestInput input)
    {
        var (r, g, b) = Pixel(tensor, input, (int)(input.Width * 0.93), (int)(input.Height * 0.1));
        var (r2, _, _) = Pixel(tensor, input, (int)(input.Width * 0.05), (int)(input.Height * 0.1));
        return r > 180 && g < 90 && b < 90 && !(r2 > 180);
    }

    private static (double R, double G, double B) Pixel(float[] tensor, ManifestInput input, int x, int y)
    {
        var plane = input.Width * input.Height;
        double Level(int c) => ((tensor[(c * plane) + (y * input.Width) + x] * input.Std[c]) + input.Mean[c]) / input.Scale;
        return (Level(0), Level(1), Level(2));
    }

    private static double MeanAbsLevels(float[] a, float[] b, ManifestInput input)
    {
        var plane = input.Width * input.Height;
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += Math.Abs(a[i] - b[i]) * input.Std[i / plane] / input.Scale;
        }
        return sum / a.Length;
    }

    private static bool Expect(BenchContext context, bool condition, string what)
    {
        context.Md($"- {(condition ? "ok" : "FAILED")}: {what}");
        return condition;
    }
}
