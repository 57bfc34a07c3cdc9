using System.Buffers.Binary;
using System.Text;

namespace Returns.Grader.Bench.ImageLibraries.Inputs;

/// <summary>Lists a JPEG's marker segments up to the first SOS, for metadata checks.</summary>
public static class JpegMarkers
{
    public static IReadOnlyList<string> ListSegments(ReadOnlySpan<byte> jpeg)
    {
        var segments = new List<string>();
        var position = 2; // after SOI
        while (position + 4 <= jpeg.Length && jpeg[position] == 0xFF)
        {
            var marker = jpeg[position + 1];
            var length = BinaryPrimitives.ReadUInt16BigEndian(jpeg[(position + 2)..]);
            var payload = jpeg.Slice(position + 4, Math.Min(length - 2, jpeg.Length - position - 4));
            segments.Add(Describe(marker, payload));
            if (marker == 0xDA)
            {
                break; // entropy-coded data follows
            }

            position += 2 + length;
        }

        return segments;
    }

    /// <summary>True when the bytes anywhere contain the ASCII "Exif" identifier (the brief's check).</summary>
    public static bool ContainsExifMarker(ReadOnlySpan<byte> bytes) => bytes.IndexOf("Exif"u8) >= 0;

    /// <summary>True when any segment before the image data is APP1 (EXIF or XMP).</summary>
    public static bool HasApp1(ReadOnlySpan<byte> jpeg) => ListSegments(jpeg).Any(s => s.StartsWith("APP1", StringComparison.Ordinal));

    private static string Describe(byte marker, ReadOnlySpan<byte> payload)
    {
        var name = marker switch
        {
            >= 0xE0 and <= 0xEF => $"APP{marker - 0xE0}",
            0xDB => "DQT",
            0xC0 => "SOF0",
            0xC2 => "SOF2",
            0xC4 => "DHT",
            0xDA => "SOS",
            0xDD => "DRI",
            0xFE => "COM",
            _ => $"FF{marker:X2}",
        };

        if (marker is >= 0xE0 and <= 0xEF)
        {
            var identifierLength = payload.IndexOf((byte)0);
            if (identifierLength > 0 && identifierLength < 32)
            {
                name += $" {Encoding.ASCII.GetString(payload[..identifierLength])}";
            }
        }

        return name;
    }
}
