using SkiaSharp;

namespace Returns.Grader.Vision.Photos;

/// <summary>
/// Checks a photo before anyone relies on the model's suggestion for it (issue 17). One check today: a photo too dark
/// to judge damage on. Its threshold was measured (docs/benchmarks.md, "Photo quality"): the 95th percentile of luma is
/// at least 37 on every sample, generated, real-content and site photo measured, and at most 30 on the same photos at
/// 12 % of their brightness. Blur and over-exposure were measured too and are not flagged: by the measures tried
/// (Laplacian variance, whole-photo and per tile; brightness percentiles) sharp and blurred, well and over-exposed photos
/// overlap, and a warning that cries wolf on good photos teaches associates to ignore it.
/// </summary>
public static class PhotoQuality
{
    public const string Dark = "dark";

    /// <summary>Below this 95th percentile of luma (0–255) the photo is too dark.</summary>
    public const int DarkBelowLuma95 = 33;

    /// <summary>About this many pixels a side are looked at (a stride over the photo): the check costs about 1 ms (docs/benchmarks.md).</summary>
    private const int SampleLongSide = 512;

    /// <summary>The warnings for a decoded, upright photo, by name (<see cref="Dark"/>); empty when none applies.</summary>
    public static IReadOnlyList<string> Assess(SKBitmap photo)
    {
        ArgumentNullException.ThrowIfNull(photo);
        return Luma95(photo) < DarkBelowLuma95 ? [Dark] : [];
    }

    /// <summary>The 95th percentile of Rec. 601 luma over a grid of pixels (every n-th row and column).</summary>
    public static int Luma95(SKBitmap photo)
    {
        ArgumentNullException.ThrowIfNull(photo);
        // width, height and row bytes are calls into Skia: read once, not per pixel
        var (width, height, rowBytes) = (photo.Width, photo.Height, photo.RowBytes);
        var stride = Math.Max(1, Math.Max(width, height) / SampleLongSide);
        Span<int> histogram = stackalloc int[256];
        var count = 0;
        var (red, blue) = photo.ColorType switch
        {
            SKColorType.Rgba8888 => (0, 2),
            SKColorType.Bgra8888 => (2, 0),
            _ => (-1, -1),
        };
        var pixels = red >= 0 ? photo.GetPixelSpan() : default;
        for (var y = 0; y < height; y += stride)
        {
            for (var x = 0; x < width; x += stride)
            {
                int r, g, b;
                if (red >= 0)
                {
                    var at = y * rowBytes + x * 4; // opaque after intake, so premultiplied = straight
                    (r, g, b) = (pixels[at + red], pixels[at + 1], pixels[at + blue]);
                }
                else
                {
                    var c = photo.GetPixel(x, y);
                    (r, g, b) = (c.Red, c.Green, c.Blue);
                }
                histogram[(299 * r + 587 * g + 114 * b) / 1000]++;
                count++;
            }
        }
        var wanted = (int)Math.Ceiling(count * 0.95);
        var seen = 0;
        for (var luma = 0; luma < 256; luma++)
        {
            seen += histogram[luma];
            if (seen >= wanted)
            {
                return luma;
            }
        }
        return 255;
    }
}
