using SkiaSharp;

namespace Returns.Grader.Vision.Photos;

/// <summary>EXIF orientation (as Skia reports it) applied to a decoded bitmap: Skia reads the tag but leaves applying it to us.</summary>
public static class Orientation
{
    public static bool SwapsAxes(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    public static (int Width, int Height) UprightSize(SKEncodedOrigin origin, int width, int height) =>
        SwapsAxes(origin) ? (height, width) : (width, height);

    /// <summary>The matrix that maps the stored pixel grid (width × height) onto the upright picture.</summary>
    public static SKMatrix ToUpright(SKEncodedOrigin origin, int width, int height) => origin switch
    {
        // x' = scaleX·x + skewX·y + transX ;  y' = skewY·x + scaleY·y + transY
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, width, 0, 1, 0, 0, 0, 1),        // mirrored horizontally
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, width, 0, -1, height, 0, 0, 1), // rotated 180°
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, height, 0, 0, 1),     // mirrored vertically
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),              // transposed
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, height, 1, 0, 0, 0, 0, 1),       // needs 90° clockwise
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, height, -1, 0, width, 0, 0, 1), // transverse
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, width, 0, 0, 1),      // needs 90° counter-clockwise
        _ => SKMatrix.Identity,
    };
}
