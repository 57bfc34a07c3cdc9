using SkiaSharp;

namespace Returns.Grader.Bench.ImageLibraries.Inputs;

/// <summary>The generated inputs: the same picture as a camera JPEG (EXIF Orientation 6 + GPS) and as a PNG.</summary>
public sealed record TestPhotos(string JpegPath, string PngPath)
{
    /// <summary>As stored by a phone held upright: landscape pixels plus "rotate 90° CW to display".</summary>
    public const int StoredWidth = 4032;
    public const int StoredHeight = 3024;
    public const ushort Orientation = 6;

    /// <summary>
    /// A solid red block in the stored top-left corner. Rotating 90° CW puts it at the upright top-right corner;
    /// a wrong rotation or a mirror puts it elsewhere, so the checks can tell them apart.
    /// </summary>
    public static readonly SKRectI MarkerStored = new(0, 0, 1200, 600);

    public const string JpegFileName = "photo.jpg";
    public const string PngFileName = "photo.png";

    private const int Seed = 20261125;

    public static TestPhotos Create(string directory)
    {
        Directory.CreateDirectory(directory);
        var jpegPath = Path.Combine(directory, JpegFileName);
        var pngPath = Path.Combine(directory, PngFileName);

        using var bitmap = PhotoPainter.Paint(StoredWidth, StoredHeight, Seed, MarkerStored);
        using var pixmap = bitmap.PeekPixels();

        using (var jpeg = pixmap.Encode(new SKJpegEncoderOptions(90)) ?? throw new InvalidOperationException("JPEG encoding failed."))
        {
            File.WriteAllBytes(jpegPath, ExifApp1.InsertAfterSoi(jpeg.ToArray(), Orientation));
        }

        using (var png = pixmap.Encode(SKPngEncoderOptions.Default) ?? throw new InvalidOperationException("PNG encoding failed."))
        {
            File.WriteAllBytes(pngPath, png.ToArray());
        }

        return new TestPhotos(jpegPath, pngPath);
    }
}
