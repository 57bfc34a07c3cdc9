using SkiaSharp;

namespace Returns.Grader.Vision.Photos;

/// <summary>
/// Checks a photo before anyone relies on the model's suggestion for it (issue 17): too dark, blurred or washed out to
/// judge damage on. Thresholds were measured (docs/benchmarks.md, "Photo quality"), chosen so that good photos are
/// (almost) never flagged: a warning that cries wolf on good photos teaches associates to ignore it.
/// <list type="bullet">
/// <item>Dark: the 95th percentile of luma is at least 37 on every sample, generated, real-content and site photo
/// measured, and at most 30 on the same photos at 12 % of their brightness.</item>
/// <item>Blurred: the sharpest textured part of the photo (<see cref="BlurEffect"/>) scores at most 0.474 on 199 good
/// photos, and above 0.5 on most of the same photos blurred by σ = 5 px at 2048 px. Blurred much further (σ ≥ 12 px) a
/// photo has no textured part left for that measure, and it was passed as sharp: a grey smudge was suggested "Like new"
/// at 97 % and prefilled (exploratory pass, 2026-12-06). So a photo whose most textured tile is under
/// <see cref="NoDetailBelow"/> is blurred too: no good sample or generated photo measured comes near it (the least
/// textured, 1.76, is 1.4 times over), and it catches about half of them blurred by σ = 25 px.</item>
/// <item>Over-exposed: at least a fifth of the pixels clipped to white and the rest at median luma 100 or above
/// (<see cref="Exposure"/>). Unlike the two above, it is not silent on every good photo: chosen and judged by how rarely
/// it fires on them (ADR 0030; at most 0.4 % of any held-out set, all of them photos on bright white backgrounds), and it
/// catches 84 % of held-out photos two stops over.</item>
/// </list>
/// </summary>
public static class PhotoQuality
{
    public const string Dark = "dark";

    public const string Blurred = "blurred";

    public const string OverExposed = "overexposed";

    /// <summary>
    /// The item fills too little of the photo to judge damage on. Not decided here but by the model that finds the item
    /// (<see cref="Inference.ItemSizeSettings"/>, where its manifest has the rule): intake adds it after inference.
    /// </summary>
    public const string SmallItem = "small";

    /// <summary>Above this <see cref="BlurEffect"/> the photo is blurred (0 sharp … 1 blurred).</summary>
    public const double BlurredAbove = 0.5;

    /// <summary>The blur measure looks at the photo at this long side at most (a 2048 px copy is halved).</summary>
    private const int BlurLongSide = 1024;

    /// <summary>Tiles per side: the sharpest tile speaks for the photo, so a sharp item on a soft background passes.</summary>
    private const int BlurTiles = 6;

    /// <summary>The re-blur's window (pixels), as in Crete et al.</summary>
    private const int BlurWindow = 9;

    /// <summary>A tile whose mean neighbour difference (both axes added, luma 0–255) is at most this has too little texture to judge.</summary>
    private const double TexturedTile = 2.0;

    /// <summary>
    /// A photo whose most textured tile has a mean neighbour difference under this shows almost no detail anywhere: blurred
    /// far past what <see cref="BlurEffect"/> can see, or a photo of nothing to grade (docs/benchmarks.md, "Photo quality").
    /// </summary>
    public const double NoDetailBelow = 1.25;

    /// <summary>Luma (0–255) at and above which a pixel counts as clipped: blown to white.</summary>
    private const int ClippedLuma = 250;

    /// <summary>Over-exposed: at least this share of the pixels clipped …</summary>
    public const double OverExposedClippedShare = 0.2;

    /// <summary>… and the others at this median luma or above (the item's darks and middles pushed up too).</summary>
    public const int OverExposedRestMedian = 100;

    /// <summary>Below this 95th percentile of luma (0–255) the photo is too dark.</summary>
    public const int DarkBelowLuma95 = 33;

    /// <summary>About this many pixels a side are looked at (a stride over the photo): the check costs about 1 ms (docs/benchmarks.md).</summary>
    private const int SampleLongSide = 512;

    /// <summary>
    /// The warnings for a decoded, upright photo, by name (<see cref="Dark"/>); empty when none applies.
    /// <paramref name="whiteFromTransparency"/>: the photo had transparent parts, flattened on white, so its clipped
    /// white says nothing about exposure (a product cut-out on a transparent background) and over-exposure is not judged.
    /// </summary>
    public static IReadOnlyList<string> Assess(SKBitmap photo, bool whiteFromTransparency = false)
    {
        ArgumentNullException.ThrowIfNull(photo);
        var warnings = new List<string>(2);
        Span<int> histogram = stackalloc int[256];
        LumaHistogram(photo, histogram);
        if (Percentile(histogram, 256, 0.95) < DarkBelowLuma95)
        {
            warnings.Add(Dark);
        }
        var (clippedShare, restMedian) = Exposure(histogram);
        if (!whiteFromTransparency && clippedShare >= OverExposedClippedShare && restMedian >= OverExposedRestMedian)
        {
            warnings.Add(OverExposed);
        }
        // No detail is said as "blurred" only where the light does not already explain it: a photo at a tenth of its light
        // keeps a tenth of its neighbour differences, and is "too dark", not blurred.
        var (effect, texture) = BlurMeasure(photo);
        if (effect > BlurredAbove || (texture < NoDetailBelow && warnings.Count == 0))
        {
            warnings.Add(Blurred);
        }
        return warnings;
    }

    /// <summary>
    /// How blurred the sharpest textured part of the photo is, from 0 (sharp) to 1; 0 when no part has texture.
    /// The measure is Crete et al.'s "blur effect" (2007): blur the luma again with a 9-pixel box and see how much of the
    /// difference between neighbouring pixels survives. A sharp photo loses most of it to the re-blur, a blurred one
    /// little, whatever its content. It is taken per tile (6 × 6 over the photo shrunk by a whole factor to long side ≤ 1024), the larger of the
    /// two axes, and the photo's score is its sharpest textured tile's.
    /// </summary>
    public static double BlurEffect(SKBitmap photo) => BlurMeasure(photo).Effect;

    /// <summary>The most textured tile's mean neighbour difference (both axes added, luma 0–255): how much detail the photo
    /// shows where it shows most. Under <see cref="NoDetailBelow"/> the photo is blurred.</summary>
    public static double MostTexture(SKBitmap photo) => BlurMeasure(photo).MostTexture;

    private static (double Effect, double MostTexture) BlurMeasure(SKBitmap photo)
    {
        ArgumentNullException.ThrowIfNull(photo);
        var (luma, width, height) = LumaAtMost(photo, BlurLongSide);
        var sharpest = double.NaN;
        var mostTexture = 0.0;
        for (var ty = 0; ty < BlurTiles; ty++)
        {
            for (var tx = 0; tx < BlurTiles; tx++)
            {
                var (x0, x1) = (tx * width / BlurTiles, (tx + 1) * width / BlurTiles);
                var (y0, y1) = (ty * height / BlurTiles, (ty + 1) * height / BlurTiles);
                if (x1 - x0 < 2 || y1 - y0 < 2)
                {
                    continue;
                }
                var across = ReblurLoss(luma, width, x0, x1, y0, y1, horizontal: true);
                var down = ReblurLoss(luma, width, x0, x1, y0, y1, horizontal: false);
                mostTexture = Math.Max(mostTexture, across.MeanDifference + down.MeanDifference);
                if (across.MeanDifference + down.MeanDifference > TexturedTile)
                {
                    var tile = Math.Max(across.Blur, down.Blur);
                    sharpest = double.IsNaN(sharpest) ? tile : Math.Min(sharpest, tile);
                }
            }
        }
        return (double.IsNaN(sharpest) ? 0 : sharpest, mostTexture);
    }

    /// <summary>One tile, one axis: the share of neighbour difference a re-blur takes away from what is left, and the mean difference.</summary>
    private static (double Blur, double MeanDifference) ReblurLoss(byte[] luma, int width, int x0, int x1, int y0, int y1, bool horizontal)
    {
        // lines run along the axis; a line is a row (horizontal) or a column of the tile
        var (lineLength, lines) = horizontal ? (x1 - x0, y1 - y0) : (y1 - y0, x1 - x0);
        Span<int> line = lineLength <= 1024 ? stackalloc int[lineLength] : new int[lineLength];
        Span<int> window = lineLength <= 1024 ? stackalloc int[lineLength] : new int[lineLength]; // window sums: BlurWindow × the re-blurred line
        long differences = 0, surviving = 0; // surviving in BlurWindow-ths: integer arithmetic throughout
        const int half = BlurWindow / 2;
        var last = lineLength - 1;
        for (var n = 0; n < lines; n++)
        {
            for (var i = 0; i < lineLength; i++)
            {
                line[i] = horizontal ? luma[(y0 + n) * width + x0 + i] : luma[(y0 + i) * width + x0 + n];
            }
            // box sum over the window, the ends repeated (a running sum)
            var sum = 0;
            for (var k = -half; k <= half; k++)
            {
                sum += line[Math.Clamp(k, 0, last)];
            }
            for (var i = 0; i < lineLength; i++)
            {
                window[i] = sum;
                sum += line[Math.Min(i + half + 1, last)] - line[Math.Max(i - half, 0)];
            }
            for (var i = 0; i < last; i++)
            {
                var original = Math.Abs(line[i + 1] - line[i]);
                var again = Math.Abs(window[i + 1] - window[i]);
                differences += original;
                surviving += Math.Max(0, BlurWindow * original - again);
            }
        }
        var lost = differences - surviving / (double)BlurWindow;
        var count = (double)(lineLength - 1) * lines;
        return (differences > 0 ? lost / differences : 1.0, differences / count);
    }

    /// <summary>
    /// Rec. 601 luma of the photo, each output pixel the mean of an n × n block with n the smallest whole factor that
    /// brings the long side to the given one or less (a 2048 px photo is halved to 1024). A whole-factor box mean costs
    /// one pass over the pixels: Skia's scaling with mipmaps took 110 ms here (docs/benchmarks.md).
    /// </summary>
    private static (byte[] Luma, int Width, int Height) LumaAtMost(SKBitmap photo, int longSide)
    {
        var (sourceWidth, sourceHeight, rowBytes) = (photo.Width, photo.Height, photo.RowBytes);
        var factor = (Math.Max(sourceWidth, sourceHeight) + longSide - 1) / longSide;
        var (width, height) = (sourceWidth / factor, sourceHeight / factor);
        var (red, blue) = ChannelOffsets(photo);
        var pixels = red >= 0 ? photo.GetPixelSpan() : default;
        var sums = new int[width];
        var luma = new byte[Math.Max(1, width * height)];
        var block = factor * factor;
        for (var y = 0; y < height; y++)
        {
            Array.Clear(sums);
            for (var dy = 0; dy < factor; dy++)
            {
                var sourceY = y * factor + dy;
                if (red >= 0)
                {
                    // opaque after intake, so premultiplied = straight
                    var row = pixels.Slice(sourceY * rowBytes, width * factor * 4);
                    var at = 0;
                    for (var x = 0; x < width; x++)
                    {
                        var sum = 0;
                        for (var k = 0; k < factor; k++, at += 4)
                        {
                            sum += 299 * row[at + red] + 587 * row[at + 1] + 114 * row[at + blue];
                        }
                        sums[x] += sum;
                    }
                }
                else
                {
                    for (var x = 0; x < width * factor; x++)
                    {
                        var c = photo.GetPixel(x, sourceY);
                        sums[x / factor] += 299 * c.Red + 587 * c.Green + 114 * c.Blue;
                    }
                }
            }
            for (var x = 0; x < width; x++)
            {
                luma[y * width + x] = (byte)(sums[x] / (1000 * block));
            }
        }
        return (luma, Math.Max(1, width), Math.Max(1, height));
    }

    /// <summary>The 95th percentile of Rec. 601 luma over a grid of pixels (every n-th row and column).</summary>
    public static int Luma95(SKBitmap photo)
    {
        ArgumentNullException.ThrowIfNull(photo);
        Span<int> histogram = stackalloc int[256];
        LumaHistogram(photo, histogram);
        return Percentile(histogram, 256, 0.95);
    }

    /// <summary>
    /// How washed out the photo is: the share of its pixels clipped to white (luma ≥ 250) and the median luma of the
    /// others, over the same grid as <see cref="Luma95"/>. A good photo of a dark item on a white sweep clips half its
    /// pixels, but the item keeps its darks and middles; in an over-exposed photo they are pushed up too.
    /// </summary>
    public static (double ClippedShare, int RestMedian) Exposure(SKBitmap photo)
    {
        ArgumentNullException.ThrowIfNull(photo);
        Span<int> histogram = stackalloc int[256];
        LumaHistogram(photo, histogram);
        return Exposure(histogram);
    }

    private static (double ClippedShare, int RestMedian) Exposure(ReadOnlySpan<int> histogram)
    {
        var (clipped, count) = (0, 0);
        for (var luma = 0; luma < 256; luma++)
        {
            count += histogram[luma];
            clipped += luma >= ClippedLuma ? histogram[luma] : 0;
        }
        return count == 0 ? (0, 0) : ((double)clipped / count, Percentile(histogram, ClippedLuma, 0.5));
    }

    /// <summary>
    /// The lowest luma below <paramref name="end"/> at which the given share (rounded up) of the pixels below
    /// <paramref name="end"/> are counted; 255 when there are none.
    /// </summary>
    private static int Percentile(ReadOnlySpan<int> histogram, int end, double share)
    {
        var count = 0;
        for (var luma = 0; luma < end; luma++)
        {
            count += histogram[luma];
        }
        var wanted = Math.Max(1, (int)Math.Ceiling(count * share));
        var seen = 0;
        for (var luma = 0; luma < end; luma++)
        {
            seen += histogram[luma];
            if (seen >= wanted)
            {
                return luma;
            }
        }
        return 255;
    }

    /// <summary>Counts the Rec. 601 luma of a grid of pixels (every n-th row and column, about 512 a side) into <paramref name="histogram"/> (256 bins).</summary>
    private static void LumaHistogram(SKBitmap photo, Span<int> histogram)
    {
        // width, height and row bytes are calls into Skia: read once, not per pixel
        var (width, height, rowBytes) = (photo.Width, photo.Height, photo.RowBytes);
        var stride = Math.Max(1, Math.Max(width, height) / SampleLongSide);
        histogram.Clear();
        var (red, blue) = ChannelOffsets(photo);
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
            }
        }
    }

    /// <summary>Where red and blue sit in a pixel's four bytes, read straight from memory; (−1, −1): another layout, read through Skia.</summary>
    private static (int Red, int Blue) ChannelOffsets(SKBitmap photo) => photo.ColorType switch
    {
        SKColorType.Rgba8888 => (0, 2),
        SKColorType.Bgra8888 => (2, 0),
        _ => (-1, -1),
    };
}
