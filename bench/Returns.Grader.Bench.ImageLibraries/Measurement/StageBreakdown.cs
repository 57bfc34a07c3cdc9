using System.Diagnostics;
using Returns.Grader.Bench.ImageLibraries.Pipelines;
using SkiaSharp;
using VipsImage = NetVips.Image;

namespace Returns.Grader.Bench.ImageLibraries.Measurement;

/// <summary>
/// Where the intake time goes, stage by stage (Stopwatch, median of a few runs, in the host process).
/// A diagnostic to explain the BenchmarkDotNet table, not a second set of headline numbers.
/// </summary>
public static class StageBreakdown
{
    private const int Runs = 9;

    public static void Write(TextWriter output, byte[] jpeg)
    {
        ArgumentNullException.ThrowIfNull(output);
        VipsPipelines.EnsureInitialized();
        output.WriteLine();
        output.WriteLine($"## Intake stages (Stopwatch, median of {Runs}, diagnostic only)");

        using var data = SKData.CreateCopy(jpeg);
        using var codec = SKCodec.Create(data);
        var full = codec.Info;
        var fiveEighths = codec.GetScaledDimensions(5f / 8f);
        Report(output, "SkiaSharp SKCodec.Create + Info (header)", () =>
        {
            using var d = SKData.CreateCopy(jpeg);
            using var c = SKCodec.Create(d);
            return c.Info.Width;
        });
        Report(output, $"SkiaSharp decode {full.Width}×{full.Height}", () => DecodeSkia(codec, full.Size));
        Report(output, $"SkiaSharp decode {fiveEighths.Width}×{fiveEighths.Height} (5/8 scaled)", () => DecodeSkia(codec, fiveEighths));

        using var decoded = new SKBitmap(new SKImageInfo(full.Width, full.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        codec.GetPixels(decoded.Info, decoded.GetPixels());
        using var decodedPixels = decoded.PeekPixels();
        using var image = SKImage.FromPixels(decodedPixels);
        using var target = new SKBitmap(new SKImageInfo(1536, 2048, SKColorType.Rgba8888, SKAlphaType.Opaque));
        Report(output, "SkiaSharp orient + resize 4032×3024 → 1536×2048 (Mitchell)", () =>
        {
            using var canvas = new SKCanvas(target);
            SkiaOrientation.DrawUpright(canvas, image, SKEncodedOrigin.RightTop, SKMatrix.CreateScale(1536f / 3024, 2048f / 4032), new SKSamplingOptions(SKCubicResampler.Mitchell));
            return 0;
        });
        using var scaled = new SKBitmap(new SKImageInfo(fiveEighths.Width, fiveEighths.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        codec.GetPixels(scaled.Info, scaled.GetPixels());
        using var scaledPixels = scaled.PeekPixels();
        using var scaledImage = SKImage.FromPixels(scaledPixels);
        Report(output, $"SkiaSharp orient + resize {fiveEighths.Width}×{fiveEighths.Height} → 1536×2048 (bilinear)", () =>
        {
            using var canvas = new SKCanvas(target);
            SkiaOrientation.DrawUpright(canvas, scaledImage, SKEncodedOrigin.RightTop, SKMatrix.CreateScale(1536f / fiveEighths.Height, 2048f / fiveEighths.Width), new SKSamplingOptions(SKFilterMode.Linear));
            return 0;
        });
        Report(output, "SkiaSharp JPEG q85 encode 1536×2048", () =>
        {
            using var pixmap = target.PeekPixels();
            using var encoded = pixmap.Encode(new SKJpegEncoderOptions(85));
            return (int)(encoded?.Size ?? 0);
        });

        Report(output, "NetVips jpegload full decode (to memory)", () =>
        {
            using var v = VipsImage.NewFromBuffer(jpeg, access: NetVips.Enums.Access.Sequential);
            return v.WriteToMemory<byte>().Length;
        });
        Report(output, "NetVips thumbnail 2048 (to memory, no encode)", () =>
        {
            using var v = VipsImage.ThumbnailBuffer(jpeg, 2048, height: 2048, size: NetVips.Enums.Size.Down);
            return v.WriteToMemory<byte>().Length;
        });
        using var vipsTarget = VipsImage.ThumbnailBuffer(jpeg, 2048, height: 2048, size: NetVips.Enums.Size.Down);
        var pixels = vipsTarget.WriteToMemory<byte>();
        Report(output, "NetVips jpegsave q85 1536×2048 (from memory)", () =>
        {
            using var v = VipsImage.NewFromMemory(pixels, vipsTarget.Width, vipsTarget.Height, vipsTarget.Bands, vipsTarget.Format);
            return v.JpegsaveBuffer(q: 85, keep: NetVips.Enums.ForeignKeep.None).Length;
        });
    }

    private static int DecodeSkia(SKCodec codec, SKSizeI size)
    {
        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        return (int)codec.GetPixels(info, bitmap.GetPixels());
    }

    private static void Report(TextWriter output, string stage, Func<int> work)
    {
        work(); // warm-up
        var times = new double[Runs];
        for (var i = 0; i < Runs; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            work();
            times[i] = stopwatch.Elapsed.TotalMilliseconds;
        }

        Array.Sort(times);
        output.WriteLine($"  {stage,-62} {times[Runs / 2],7:F1} ms");
    }
}
