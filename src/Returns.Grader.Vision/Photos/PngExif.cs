using System.Buffers.Binary;
using SkiaSharp;

namespace Returns.Grader.Vision.Photos;

/// <summary>
/// The orientation in a PNG's eXIf chunk (PNG 1.5: the EXIF block as TIFF stores it, without JPEG's "Exif" prefix).
/// Skia reads EXIF orientation from JPEG and WebP only, while browsers honour it in PNG too, so a turned PNG looked
/// upright at the station and was kept sideways. Only the orientation tag is read, with every offset checked against
/// the chunk: the bytes are untrusted and nothing else in them is used (the re-encode drops the chunk). ADR 0040.
/// </summary>
internal static class PngExif
{
    private const ushort OrientationTag = 0x0112;
    private const ushort ShortType = 3;

    /// <summary>The orientation the chunk gives, or null: no eXIf chunk, a damaged one, or a value outside 1–8.</summary>
    public static SKEncodedOrigin? OrientationOf(ReadOnlySpan<byte> png)
    {
        var at = 8; // after the signature; the caller has sniffed it
        while (png.Length - at >= 12)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(png[at..]);
            if (length > (uint)(png.Length - at - 12))
            {
                return null; // cut short: the decoder has judged the image data already; no orientation from a broken chunk
            }
            var type = png.Slice(at + 4, 4);
            if (type.SequenceEqual("eXIf"u8))
            {
                return FromTiff(png.Slice(at + 8, (int)length));
            }
            if (type.SequenceEqual("IEND"u8))
            {
                return null;
            }
            at += 12 + (int)length;
        }
        return null;
    }

    private static SKEncodedOrigin? FromTiff(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8)
        {
            return null;
        }
        bool bigEndian;
        if (tiff[0] == 'M' && tiff[1] == 'M')
        {
            bigEndian = true;
        }
        else if (tiff[0] == 'I' && tiff[1] == 'I')
        {
            bigEndian = false;
        }
        else
        {
            return null;
        }
        if (U16(tiff, 2, bigEndian) != 42)
        {
            return null;
        }
        var ifd = U32(tiff, 4, bigEndian);
        if (ifd > (uint)(tiff.Length - 2))
        {
            return null;
        }
        var entries = U16(tiff, (int)ifd, bigEndian);
        for (var i = 0; i < entries; i++)
        {
            var entry = (int)ifd + 2 + (12 * i);
            if (entry > tiff.Length - 12)
            {
                return null;
            }
            if (U16(tiff, entry, bigEndian) == OrientationTag)
            {
                var value = U16(tiff, entry + 8, bigEndian); // a SHORT sits in the first two bytes of the value field
                return U16(tiff, entry + 2, bigEndian) == ShortType && U32(tiff, entry + 4, bigEndian) >= 1 && value is >= 1 and <= 8 ? (SKEncodedOrigin)value : null;
            }
        }
        return null;
    }

    private static ushort U16(ReadOnlySpan<byte> tiff, int offset, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(tiff[offset..]) : BinaryPrimitives.ReadUInt16LittleEndian(tiff[offset..]);

    private static uint U32(ReadOnlySpan<byte> tiff, int offset, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(tiff[offset..]) : BinaryPrimitives.ReadUInt32LittleEndian(tiff[offset..]);
}
