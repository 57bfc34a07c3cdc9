using System.Diagnostics;
using System.Globalization;
using Returns.Grader.Bench.ImageLibraries.Inputs;
using Returns.Grader.Bench.ImageLibraries.Pipelines;
using SkiaSharp;
using VipsImage = NetVips.Image;

namespace Returns.Grader.Bench.ImageLibraries.Measurement;

/// <summary>
/// Runs every path once, outside the timings, and checks what a benchmark alone would not: orientation,
/// metadata stripping, sizes, the pixel limit, and that both libraries produce the same picture.
/// </summary>
public sealed class CorrectnessChecks(TextWriter output)
{
    private const int StoredShortSide = PipelineSettings.StoredLongSide * TestPhotos.StoredHeight / TestPhotos.StoredWidth;

    private int failures;

    public bool Run(TestPhotos photos)
    {
        ArgumentNullException.ThrowIfNull(photos);
        var jpeg = File.ReadAllBytes(photos.JpegPath);
        var png = File.ReadAllBytes(photos.PngPath);

        Section("Inputs");
        Line($"JPEG {Mb(jpeg.Length)} (q90 + hand-built EXIF APP1), segments: {string.Join(", ", JpegMarkers.ListSegments(jpeg))}");
        Line($"PNG  {Mb(png.Length)}");
        CheckInputMetadata(jpeg);

        Section("SkiaOrientation on a 3×2 bitmap, all eight EXIF orientations");
        CheckAllOrientations();

        Section("a. Intake (stored copy)");
        var skia = SkiaPipelines.Intake(jpeg, SkiaIntakeMode.FullDecodeMitchell);
        var skiaScaled = SkiaPipelines.Intake(jpeg, SkiaIntakeMode.ScaledDecodeBilinear);
        var vips = VipsPipelines.Intake(jpeg);
        CheckStoredCopy("SkiaSharp full decode", skia);
        CheckStoredCopy("SkiaSharp scaled decode", skiaScaled);
        CheckStoredCopy("NetVips", vips);
        Line($"PSNR against the NetVips copy (full decode + Lanczos3): SkiaSharp full decode + Mitchell {Psnr(skia.Jpeg, vips.Jpeg):F1} dB, "
            + $"SkiaSharp 5/8 decode + bilinear {Psnr(skiaScaled.Jpeg, vips.Jpeg):F1} dB; the two SkiaSharp copies against each other {Psnr(skiaScaled.Jpeg, skia.Jpeg):F1} dB");
        CheckVipsDefaultSaveKeepsGps(jpeg);
        CheckPixelLimit(jpeg);

        Section("b. Inference (224×224 tensor)");
        var skiaTensor = SkiaPipelines.PrepareModelInput(jpeg);
        var vipsTensor = VipsPipelines.PrepareModelInput(jpeg);
        CheckTensor("SkiaSharp", skiaTensor, redAt: (215, 20), notRedAt: [(10, 20), (215, 210), (10, 210)]);
        CheckTensor("NetVips", vipsTensor, redAt: (215, 20), notRedAt: [(10, 20), (215, 210), (10, 210)]);
        Line($"Mean |SkiaSharp − NetVips| per tensor value: {MeanAbsoluteLevels(skiaTensor, vipsTensor):F2} of 255 levels");

        Section("c. PNG (224×224 tensor; PNG carries no orientation, so the marker stays top-left)");
        var skiaPng = SkiaPipelines.PrepareModelInput(png);
        var vipsPng = VipsPipelines.PrepareModelInput(png);
        CheckTensor("SkiaSharp", skiaPng, redAt: (20, 20), notRedAt: [(205, 20), (205, 205), (20, 205)]);
        CheckTensor("NetVips", vipsPng, redAt: (20, 20), notRedAt: [(205, 20), (205, 205), (20, 205)]);
        Line($"Mean |SkiaSharp − NetVips| per tensor value: {MeanAbsoluteLevels(skiaPng, vipsPng):F2} of 255 levels");

        Section(failures == 0 ? "All correctness checks passed" : $"{failures} correctness check(s) FAILED");
        return failures == 0;
    }

    private void CheckInputMetadata(byte[] jpeg)
    {
        using (var codec = SKCodec.Create(SKData.CreateCopy(jpeg)))
        {
            Expect(
                codec.Info.Width == TestPhotos.StoredWidth && codec.EncodedOrigin == SKEncodedOrigin.RightTop,
                $"SkiaSharp reads {codec.Info.Width}×{codec.Info.Height}, EncodedOrigin {codec.EncodedOrigin} (EXIF 6) from the header");
        }

        using (var plain = SKBitmap.Decode(jpeg))
        {
            Line($"  note: SKBitmap.Decode ignores orientation: {plain.Width}×{plain.Height}, still landscape");
        }

        VipsPipelines.EnsureInitialized();
        using var image = VipsImage.NewFromBuffer(jpeg);
        var fields = image.GetFields();
        var orientation = image.Contains("orientation") ? Convert.ToInt32(image.Get("orientation"), CultureInfo.InvariantCulture) : 0;
        var latitude = fields.Contains("exif-ifd3-GPSLatitude") ? (string)image.Get("exif-ifd3-GPSLatitude") : "missing";
        Expect(
            orientation == TestPhotos.Orientation && latitude != "missing",
            $"NetVips reads orientation {orientation} and GPS latitude \"{latitude}\"");
    }

    /// <summary>
    /// Expected pixels come from the EXIF definition written independently of the matrices (upright (u, v) ←
    /// stored (x, y)), so a sign or axis slip in <see cref="SkiaOrientation"/> shows up. The port's unit test.
    /// </summary>
    private void CheckAllOrientations()
    {
        const int w = 3, h = 2;
        using var stored = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                stored.SetPixel(x, y, new SKColor((byte)(40 + (x * 60)), (byte)(40 + (y * 120)), 0));
            }
        }

        var expectations = new (SKEncodedOrigin Origin, Func<int, int, (int X, int Y)> Source)[]
        {
            (SKEncodedOrigin.TopLeft, (u, v) => (u, v)),
            (SKEncodedOrigin.TopRight, (u, v) => (w - 1 - u, v)),
            (SKEncodedOrigin.BottomRight, (u, v) => (w - 1 - u, h - 1 - v)),
            (SKEncodedOrigin.BottomLeft, (u, v) => (u, h - 1 - v)),
            (SKEncodedOrigin.LeftTop, (u, v) => (v, u)),
            (SKEncodedOrigin.RightTop, (u, v) => (v, h - 1 - u)),
            (SKEncodedOrigin.RightBottom, (u, v) => (w - 1 - v, h - 1 - u)),
            (SKEncodedOrigin.LeftBottom, (u, v) => (w - 1 - v, u)),
        };

        var failed = new List<string>();
        foreach (var (origin, source) in expectations)
        {
            using var upright = SkiaOrientation.ToUpright(stored, origin);
            var ok = upright.Width == (SkiaOrientation.SwapsAxes(origin) ? h : w);
            for (var v = 0; ok && v < upright.Height; v++)
            {
                for (var u = 0; ok && u < upright.Width; u++)
                {
                    var (x, y) = source(u, v);
                    ok = upright.GetPixel(u, v) == stored.GetPixel(x, y);
                }
            }

            if (!ok)
            {
                failed.Add(origin.ToString());
            }
        }

        Expect(failed.Count == 0, failed.Count == 0 ? "all 8 exact, including sizes" : $"wrong for {string.Join(", ", failed)}");
    }

    private void CheckStoredCopy(string name, StoredCopy copy)
    {
        Expect(
            copy.Width == StoredShortSide && copy.Height == PipelineSettings.StoredLongSide,
            $"{name}: {copy.Width}×{copy.Height} (portrait, long side 2048) from a 4032×3024 stored source, {Mb(copy.Jpeg.Length)}");
        Expect(
            !JpegMarkers.ContainsExifMarker(copy.Jpeg) && !JpegMarkers.HasApp1(copy.Jpeg),
            $"{name}: no \"Exif\" bytes, no APP1; segments: {string.Join(", ", JpegMarkers.ListSegments(copy.Jpeg))}");

        using var decoded = SKBitmap.Decode(copy.Jpeg);
        int w = decoded.Width, h = decoded.Height;
        var redTopRight = IsRed(decoded.GetPixel(w - 36, 100));
        var elsewhere = IsRed(decoded.GetPixel(30, 30)) || IsRed(decoded.GetPixel(w - 36, h - 30)) || IsRed(decoded.GetPixel(30, h - 30));
        Expect(redTopRight && !elsewhere, $"{name}: marker (stored top-left) is at the upright top-right: rotated 90° clockwise, not mirrored");
    }

    private void CheckVipsDefaultSaveKeepsGps(byte[] jpeg)
    {
        using var thumbnail = VipsImage.ThumbnailBuffer(jpeg, 2048, height: 2048);
        var withDefaults = thumbnail.JpegsaveBuffer(q: 85);
        using var reloaded = VipsImage.NewFromBuffer(withDefaults);
        var keepsGps = reloaded.GetFields().Contains("exif-ifd3-GPSLatitude");
        Line($"  note: NetVips JpegsaveBuffer without keep: None → \"Exif\" in output: {JpegMarkers.ContainsExifMarker(withDefaults)}, GPS kept: {keepsGps}");
    }

    private void CheckPixelLimit(byte[] jpeg)
    {
        const long limit = 10_000_000;
        foreach (var (name, intake) in new (string, Action)[]
        {
            ("SkiaSharp", () => SkiaPipelines.Intake(jpeg, SkiaIntakeMode.FullDecodeMitchell, maxPixels: limit)),
            ("NetVips", () => VipsPipelines.Intake(jpeg, maxPixels: limit)),
        })
        {
            const int runs = 50;
            var rejected = 0;
            var stopwatch = Stopwatch.StartNew();
            for (var i = 0; i < runs; i++)
            {
                try
                {
                    intake();
                }
                catch (InvalidDataException)
                {
                    rejected++;
                }
            }

            Expect(
                rejected == runs,
                $"{name}: 12 MP upload rejected by a 10 MP limit from the header alone, {stopwatch.Elapsed.TotalMilliseconds / runs:F2} ms per rejection");
        }
    }

    private void CheckTensor(string name, ModelInput input, (int X, int Y) redAt, (int X, int Y)[] notRedAt)
    {
        var t = input.Tensor;
        Expect(
            t.Length == 3 * 224 * 224 && t.Min() >= -1f && t.Max() <= 1f,
            $"{name}: tensor 3×{input.Height}×{input.Width}, values in [{t.Min():F2}, {t.Max():F2}]");
        Expect(
            IsRed(input, redAt) && !notRedAt.Any(p => IsRed(input, p)),
            $"{name}: marker found at ({redAt.X}, {redAt.Y}) and not in the other corners");
    }

    private static bool IsRed(SKColor c) => c.Red > 170 && c.Green < 90 && c.Blue < 90;

    private static bool IsRed(ModelInput input, (int X, int Y) p)
    {
        var plane = input.Width * input.Height;
        var i = (p.Y * input.Width) + p.X;
        static byte Level(float v) => (byte)Math.Clamp((v * 127.5f) + 127.5f, 0, 255);
        return IsRed(new SKColor(Level(input.Tensor[i]), Level(input.Tensor[plane + i]), Level(input.Tensor[(2 * plane) + i])));
    }

    private static double MeanAbsoluteLevels(ModelInput a, ModelInput b)
    {
        double sum = 0;
        for (var i = 0; i < a.Tensor.Length; i++)
        {
            sum += Math.Abs(a.Tensor[i] - b.Tensor[i]);
        }

        return sum / a.Tensor.Length * 127.5;
    }

    private static double Psnr(byte[] jpegA, byte[] jpegB)
    {
        using var a = SKBitmap.Decode(jpegA);
        using var b = SKBitmap.Decode(jpegB);
        double squared = 0;
        long count = 0;
        for (var y = 0; y < a.Height; y++)
        {
            for (var x = 0; x < a.Width; x++)
            {
                SKColor p = a.GetPixel(x, y), q = b.GetPixel(x, y);
                squared += Sq(p.Red - q.Red) + Sq(p.Green - q.Green) + Sq(p.Blue - q.Blue);
                count += 3;
            }
        }

        static double Sq(int d) => (double)d * d;
        return 10 * Math.Log10(255.0 * 255.0 / (squared / count));
    }

    private static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:F2} MB");

    private void Section(string title) => output.WriteLine($"{Environment.NewLine}## {title}");

    private void Line(string text) => output.WriteLine(text);

    private void Expect(bool ok, string text)
    {
        if (!ok)
        {
            failures++;
        }

        output.WriteLine($"  [{(ok ? "ok" : "FAIL")}] {text}");
    }
}
