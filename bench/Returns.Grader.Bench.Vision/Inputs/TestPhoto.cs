using Returns.Grader.Bench.ImageLibraries.Inputs;
using SkiaSharp;

namespace Returns.Grader.Bench.Vision.Inputs;

/// <summary>
/// The 12 MP input: a photo-like 4032×3024 JPEG q90 (about 3.3 MB) with EXIF Orientation 6 (+ GPS), as a phone held
/// upright stores it. Painted by the image-library bench's painter with its seed, so both benches read the same bytes.
/// </summary>
public static class TestPhoto
{
    public const int StoredWidth = 4032;
    public const int StoredHeight = 3024;
    public const ushort Orientation = 6;
    public const string FileName = "photo-4032x3024-exif6.jpg";

    /// <summary>A red block in the stored top-left corner: after a 90° clockwise turn it is at the upright top-right.</summary>
    public static readonly SKRectI MarkerStored = new(0, 0, 1200, 600);

    private const int Seed = 20261125;

    /// <summary>Writes the photo into <paramref name="directory"/> unless it is already there (it is deterministic).</summary>
    public static string Ensure(string directory) => Ensure(directory, 90, FileName);

    /// <summary>
    /// The same painting at another JPEG quality, for a larger file of the same 12 MP (the load section's 8 MB photo:
    /// more bytes to receive and to entropy-decode, as a phone's high-quality JPEG).
    /// </summary>
    public static string EnsureAtQuality(string directory, int quality) =>
        Ensure(directory, quality, $"{Path.GetFileNameWithoutExtension(FileName)}-q{quality}.jpg");

    private static string Ensure(string directory, int quality, string fileName)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, fileName);
        if (File.Exists(path) && new FileInfo(path).Length > 1_000_000)
        {
            return path;
        }
        using var bitmap = PhotoPainter.Paint(StoredWidth, StoredHeight, Seed, MarkerStored);
        using var pixmap = bitmap.PeekPixels();
        using var jpeg = pixmap.Encode(new SKJpegEncoderOptions(quality)) ?? throw new InvalidOperationException("JPEG encoding failed.");
        File.WriteAllBytes(path, ExifApp1.InsertAfterSoi(jpeg.ToArray(), Orientation));
        return path;
    }
}
