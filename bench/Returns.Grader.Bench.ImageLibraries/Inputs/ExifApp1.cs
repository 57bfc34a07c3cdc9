using System.Buffers.Binary;
using System.Text;

namespace Returns.Grader.Bench.ImageLibraries.Inputs;

/// <summary>
/// Builds a minimal EXIF APP1 segment (little-endian TIFF: IFD0 with Make, Orientation and a GPS IFD pointer;
/// a GPS IFD with latitude and longitude) and splices it into a JPEG right after SOI, where cameras put it.
/// Hand-built because neither library under test can write EXIF from scratch.
/// </summary>
public static class ExifApp1
{
    private const ushort TypeByte = 1;
    private const ushort TypeAscii = 2;
    private const ushort TypeShort = 3;
    private const ushort TypeLong = 4;
    private const ushort TypeRational = 5;

    public static byte[] InsertAfterSoi(byte[] jpeg, ushort orientation)
    {
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
        {
            throw new InvalidDataException("Not a JPEG: missing SOI.");
        }

        var segment = BuildSegment(orientation);
        var result = new byte[jpeg.Length + segment.Length];
        jpeg.AsSpan(0, 2).CopyTo(result);
        segment.CopyTo(result.AsSpan(2));
        jpeg.AsSpan(2).CopyTo(result.AsSpan(2 + segment.Length));
        return result;
    }

    /// <summary>FF E1, big-endian length, "Exif\0\0", TIFF.</summary>
    public static byte[] BuildSegment(ushort orientation)
    {
        var tiff = BuildTiff(orientation);
        var length = 2 + 6 + tiff.Length;
        var segment = new byte[2 + length];
        segment[0] = 0xFF;
        segment[1] = 0xE1;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), checked((ushort)length));
        "Exif\0\0"u8.CopyTo(segment.AsSpan(4));
        tiff.CopyTo(segment.AsSpan(10));
        return segment;
    }

    private static byte[] BuildTiff(ushort orientation)
    {
        // 52°22'12.3" N, 4°53'42.6" E: a warehouse somewhere; the point is that it must not leak.
        var gps = new List<Entry>
        {
            new(0x0000, TypeByte, 4, [2, 3, 0, 0]),                     // GPSVersionID 2.3.0.0
            new(0x0001, TypeAscii, 2, "N\0"u8.ToArray()),              // GPSLatitudeRef
            new(0x0002, TypeRational, 3, Rationals((52, 1), (22, 1), (123, 10))),
            new(0x0003, TypeAscii, 2, "E\0"u8.ToArray()),              // GPSLongitudeRef
            new(0x0004, TypeRational, 3, Rationals((4, 1), (53, 1), (426, 10))),
        };

        var make = Encoding.ASCII.GetBytes("ReturnsGraderBench\0");
        var orientationValue = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(orientationValue, orientation);

        const int ifd0Offset = 8;
        const int ifd0EntryCount = 3;
        var ifd0Size = IfdSize(ifd0EntryCount);
        var makeOffset = ifd0Offset + ifd0Size;
        var gpsIfdOffset = Align2(makeOffset + make.Length);

        var gpsPointer = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(gpsPointer, (uint)gpsIfdOffset);

        var ifd0 = new List<Entry>
        {
            new(0x010F, TypeAscii, (uint)make.Length, make),             // Make (stored out of line at makeOffset)
            new(0x0112, TypeShort, 1, orientationValue),                 // Orientation
            new(0x8825, TypeLong, 1, gpsPointer),                        // GPSInfo IFD pointer
        };

        using var stream = new MemoryStream();
        stream.Write("II"u8);
        WriteU16(stream, 42);
        WriteU32(stream, ifd0Offset);
        WriteIfd(stream, ifd0, ifd0Offset);
        WriteIfd(stream, gps, gpsIfdOffset);
        return stream.ToArray();
    }

    /// <summary>Writes an IFD at <paramref name="offset"/> followed by the values that do not fit in 4 bytes.</summary>
    private static void WriteIfd(MemoryStream stream, List<Entry> entries, int offset)
    {
        Pad(stream, offset);
        var dataOffset = offset + IfdSize(entries.Count);
        using var outOfLine = new MemoryStream();

        WriteU16(stream, (ushort)entries.Count);
        foreach (var entry in entries)
        {
            WriteU16(stream, entry.Tag);
            WriteU16(stream, entry.Type);
            WriteU32(stream, entry.Count);
            if (entry.Value.Length <= 4)
            {
                var inline = new byte[4];
                entry.Value.CopyTo(inline, 0);
                stream.Write(inline);
            }
            else
            {
                WriteU32(stream, (uint)(dataOffset + outOfLine.Length));
                outOfLine.Write(entry.Value);
                Pad(outOfLine, Align2((int)outOfLine.Length));
            }
        }

        WriteU32(stream, 0); // no next IFD
        outOfLine.WriteTo(stream);
    }

    private static int IfdSize(int entryCount) => 2 + (12 * entryCount) + 4;

    private static int Align2(int value) => (value + 1) & ~1;

    private static void Pad(MemoryStream stream, int length)
    {
        while (stream.Length < length)
        {
            stream.WriteByte(0);
        }
    }

    private static byte[] Rationals(params (uint Numerator, uint Denominator)[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i * 8), values[i].Numerator);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((i * 8) + 4), values[i].Denominator);
        }

        return bytes;
    }

    private static void WriteU16(MemoryStream stream, ushort value)
    {
        Span<byte> buffer = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(buffer, value);
        stream.Write(buffer);
    }

    private static void WriteU32(MemoryStream stream, uint value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, value);
        stream.Write(buffer);
    }

    private sealed record Entry(ushort Tag, ushort Type, uint Count, byte[] Value);
}
