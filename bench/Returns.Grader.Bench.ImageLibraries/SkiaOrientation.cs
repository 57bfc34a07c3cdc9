using SkiaSharp;

namespace Returns.Grader.Bench.ImageLibraries;

/// <summary>
/// Turns pixels as a JPEG stores them into the upright picture its EXIF Orientation tag describes.
/// SKCodec reports the tag (<see cref="SKCodec.EncodedOrigin"/>) but decodes the pixels as stored and never
/// applies it, so every SkiaSharp caller has to. Meant to be ported as-is into Returns.Grader.Vision.
/// </summary>
/// <remarks>
/// Coordinates are continuous (pixel edges run from 0 to width/height), so "mirror" is x → width − x and the
/// 90° turns map the stored image exactly onto the upright canvas with no half-pixel shift.
/// Orientation values, by SKEncodedOrigin name (EXIF value):
/// TopLeft (1) as stored · TopRight (2) mirror horizontally · BottomRight (3) rotate 180° ·
/// BottomLeft (4) mirror vertically · LeftTop (5) transpose · RightTop (6) rotate 90° clockwise ·
/// RightBottom (7) transverse · LeftBottom (8) rotate 90° counter-clockwise.
/// </remarks>
public static class SkiaOrientation
{
    /// <summary>True for origins 5–8, whose upright picture has width and height swapped.</summary>
    public static bool SwapsAxes(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop
            or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    /// <summary>Size of the upright picture. Use it for pixel limits, target sizes and aspect ratios.</summary>
    public static SKSizeI GetUprightSize(SKEncodedOrigin origin, int storedWidth, int storedHeight) =>
        SwapsAxes(origin) ? new SKSizeI(storedHeight, storedWidth) : new SKSizeI(storedWidth, storedHeight);

    /// <summary>
    /// Matrix that maps a point of the stored image (of <paramref name="storedWidth"/> × <paramref name="storedHeight"/>)
    /// to the same point of the upright picture.
    /// </summary>
    public static SKMatrix GetStoredToUpright(SKEncodedOrigin origin, int storedWidth, int storedHeight)
    {
        float w = storedWidth;
        float h = storedHeight;
        return origin switch
        {
            // x' = scaleX·x + skewX·y + transX,  y' = skewY·x + scaleY·y + transY
            SKEncodedOrigin.TopRight => Affine(-1, 0, w, 0, 1, 0),      // x' = w − x
            SKEncodedOrigin.BottomRight => Affine(-1, 0, w, 0, -1, h),  // x' = w − x, y' = h − y
            SKEncodedOrigin.BottomLeft => Affine(1, 0, 0, 0, -1, h),    // y' = h − y
            SKEncodedOrigin.LeftTop => Affine(0, 1, 0, 1, 0, 0),        // x' = y, y' = x
            SKEncodedOrigin.RightTop => Affine(0, -1, h, 1, 0, 0),      // x' = h − y, y' = x
            SKEncodedOrigin.RightBottom => Affine(0, -1, h, -1, 0, w),  // x' = h − y, y' = w − x
            SKEncodedOrigin.LeftBottom => Affine(0, 1, 0, -1, 0, w),    // x' = y, y' = w − x
            _ => SKMatrix.Identity, // TopLeft, and out-of-range values, which browsers also show as stored
        };
    }

    /// <summary>
    /// Draws <paramref name="stored"/> upright and then through <paramref name="uprightToCanvas"/> (scale, crop
    /// offset), so orientation and resize cost one resampling pass and no full-size intermediate copy.
    /// </summary>
    public static void DrawUpright(
        SKCanvas canvas, SKImage stored, SKEncodedOrigin origin, SKMatrix uprightToCanvas, SKSamplingOptions sampling)
    {
        ArgumentNullException.ThrowIfNull(canvas);
        ArgumentNullException.ThrowIfNull(stored);

        canvas.Save();
        canvas.Concat(in uprightToCanvas);
        var storedToUpright = GetStoredToUpright(origin, stored.Width, stored.Height);
        canvas.Concat(in storedToUpright); // applied first: stored → upright → canvas
        canvas.DrawImage(stored, 0, 0, sampling);
        canvas.Restore();
    }

    /// <summary>Returns a new upright bitmap: an exact pixel copy, no resampling. The caller disposes it.</summary>
    public static SKBitmap ToUpright(SKBitmap stored, SKEncodedOrigin origin)
    {
        ArgumentNullException.ThrowIfNull(stored);

        var size = GetUprightSize(origin, stored.Width, stored.Height);
        var upright = new SKBitmap(stored.Info.WithSize(size.Width, size.Height));
        using var pixmap = stored.PeekPixels();
        using var image = SKImage.FromPixels(pixmap); // shares the bitmap's pixels, no copy
        using var canvas = new SKCanvas(upright);
        DrawUpright(canvas, image, origin, SKMatrix.Identity, SKSamplingOptions.Default);
        return upright;
    }

    private static SKMatrix Affine(float scaleX, float skewX, float transX, float skewY, float scaleY, float transY) =>
        new(scaleX, skewX, transX, skewY, scaleY, transY, 0, 0, 1);
}
