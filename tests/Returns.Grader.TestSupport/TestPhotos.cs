using System.Buffers.Binary;
using SkiaSharp;

namespace Returns.Grader.TestSupport;

/// <summary>Photos made in code for tests: real encoders, with hand-built EXIF where a test needs orientation or GPS.</summary>
public static class TestPhotos
{
    /// <summary>A JPEG whose stored pixels are red on the left half and blue on the right half.</summary>
    public static byte[] HalfRedHalfBlueJpeg(int width = 400, int height = 200, int quality = 90) =>
        HalfRedHalfBlue(width, height, SKEncodedImageFormat.Jpeg, quality);

    /// <summary><see cref="HalfRedHalfBlueJpeg"/> as a PNG.</summary>
    public static byte[] HalfRedHalfBluePng(int width = 400, int height = 200) =>
        HalfRedHalfBlue(width, height, SKEncodedImageFormat.Png, 100);

    private static byte[] HalfRedHalfBlue(int width, int height, SKEncodedImageFormat format, int quality)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Blue);
            using var red = new SKPaint { Color = SKColors.Red };
            canvas.DrawRect(0, 0, width / 2f, height, red);
        }
        return Encode(bitmap, format, quality);
    }

    /// <summary>A photo-like JPEG (noise and shapes, so it compresses like a real photo) of the given size.</summary>
    public static byte[] PhotoLikeJpeg(int width, int height, int quality = 90, int seed = 1)
    {
        var random = new Random(seed);
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        {
            using var gradient = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height),
                [new SKColor(200, 190, 170), new SKColor(90, 110, 140)], SKShaderTileMode.Clamp);
            using var background = new SKPaint { Shader = gradient };
            canvas.DrawRect(0, 0, width, height, background);
            using var shape = new SKPaint { IsAntialias = true };
            for (var i = 0; i < 60; i++)
            {
                shape.Color = new SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256), 180);
                canvas.DrawCircle(random.Next(width), random.Next(height), random.Next(10, Math.Max(11, width / 6)), shape);
            }
        }
        // Sensor-like noise so the JPEG is as large as a real photo of that size.
        var pixels = bitmap.GetPixelSpan();
        var noise = new byte[pixels.Length];
        random.NextBytes(noise);
        var span = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(pixels), pixels.Length);
        for (var i = 0; i < span.Length; i++)
        {
            if (i % 4 != 3)
            {
                span[i] = (byte)Math.Clamp(span[i] + (noise[i] % 24) - 12, 0, 255);
            }
        }
        return Encode(bitmap, SKEncodedImageFormat.Jpeg, quality);
    }

    /// <summary>
    /// A photo unlike anything the vision model was trained on: a hard-edged checkerboard of eight saturated colours
    /// (PNG, so the edges stay hard). With the development model 3.2.1 its familiarity is -11.96 against a threshold of
    /// -0.53 (random-colour noise: -1.55), and the model still calls it Unsellable at 1.00: confident and unfamiliar.
    /// </summary>
    public static byte[] ColourCheckerboardPng(int width = 1024, int height = 768, int cell = 16)
    {
        SKColor[] colours = [SKColors.Red, SKColors.Lime, SKColors.Blue, SKColors.Yellow, SKColors.Magenta, SKColors.Cyan, SKColors.Black, SKColors.White];
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint())
        {
            for (var y = 0; y < height; y += cell)
            {
                for (var x = 0; x < width; x += cell)
                {
                    paint.Color = colours[(x / cell + y / cell * 3) % colours.Length];
                    canvas.DrawRect(x, y, cell, cell, paint);
                }
            }
        }
        return Encode(bitmap, SKEncodedImageFormat.Png, 100);
    }

    public static byte[] SolidPng(int width, int height, SKColor color)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(color);
        return Encode(bitmap, SKEncodedImageFormat.Png, 100);
    }

    /// <summary>One colour all over, as a JPEG q90 (no alpha: a PNG from Skia carries one, and intake does not call white from
    /// transparency washed out).</summary>
    public static byte[] SolidJpeg(int width, int height, SKColor color)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(color);
        return Encode(bitmap, SKEncodedImageFormat.Jpeg, 90);
    }

    public static byte[] SolidWebp(int width, int height, SKColor color)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(color);
        return Encode(bitmap, SKEncodedImageFormat.Webp, 90);
    }

    /// <summary>The smallest valid GIF (1×1): a real image in a format the app does not accept.</summary>
    public static byte[] TinyGif() =>
        Convert.FromBase64String("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==");

    /// <summary>A valid small PNG whose header claims <paramref name="width"/>×<paramref name="height"/> (a decompression bomb's header).</summary>
    public static byte[] PngClaiming(int width, int height)
    {
        var png = SolidPng(8, 8, SKColors.White);
        // IHDR starts at byte 8: length(4) "IHDR"(4) width(4) height(4) ... CRC over type+data.
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        var crc = Crc32(png.AsSpan(12, 4 + 13));
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), crc);
        return png;
    }

    public static byte[] Truncated(byte[] image, double keep = 0.5) => image[..(int)(image.Length * keep)];

    /// <summary>Inserts an EXIF block (orientation, and a GPS latitude) right after the JPEG's start marker.</summary>
    public static byte[] WithExif(byte[] jpeg, ushort orientation)
    {
        var tiff = ExifTiff(orientation);
        var app1 = new List<byte> { 0xFF, 0xE1 };
        var length = (ushort)(2 + 6 + tiff.Length);
        app1.Add((byte)(length >> 8));
        app1.Add((byte)length);
        app1.AddRange("Exif\0\0"u8.ToArray());
        app1.AddRange(tiff);
        return [.. jpeg[..2], .. app1, .. jpeg[2..]];
    }

    /// <summary>
    /// Inserts an eXIf chunk (PNG 1.5's EXIF: the TIFF block, no "Exif" prefix) with <paramref name="orientation"/> and
    /// a GPS latitude right after the PNG's header chunk, or, with <paramref name="afterImageData"/>, just before its end
    /// chunk (some encoders put it there; browsers honour it either way).
    /// </summary>
    public static byte[] PngWithExif(byte[] png, ushort orientation, bool afterImageData = false, bool bigEndian = false)
    {
        var tiff = ExifTiff(orientation, bigEndian);
        var chunk = new byte[12 + tiff.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, tiff.Length);
        "eXIf"u8.CopyTo(chunk.AsSpan(4));
        tiff.CopyTo(chunk.AsSpan(8));
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + tiff.Length), Crc32(chunk.AsSpan(4, 4 + tiff.Length)));
        var at = afterImageData ? png.Length - 12 : 8 + 25; // IEND is the last 12 bytes; IHDR is 25 after the signature
        return [.. png[..at], .. chunk, .. png[at..]];
    }

    /// <summary>An EXIF block as TIFF stores it: IFD0 with the orientation and a GPS IFD pointer, and that GPS IFD.</summary>
    private static byte[] ExifTiff(ushort orientation, bool bigEndian = false)
    {
        var tiff = ExifTiffLittleEndian(orientation);
        return bigEndian ? ToBigEndian(tiff) : tiff;
    }

    /// <summary>The same block in Motorola order ("MM"), as some cameras and editors write it.</summary>
    private static byte[] ToBigEndian(byte[] le)
    {
        var be = (byte[])le.Clone();
        "MM"u8.CopyTo(be);
        void Swap16(int at) => BinaryPrimitives.WriteUInt16BigEndian(be.AsSpan(at), BinaryPrimitives.ReadUInt16LittleEndian(le.AsSpan(at)));
        void Swap32(int at) => BinaryPrimitives.WriteUInt32BigEndian(be.AsSpan(at), BinaryPrimitives.ReadUInt32LittleEndian(le.AsSpan(at)));
        Swap16(2);
        Swap32(4);
        Swap16(8);
        foreach (var entry in new[] { 10, 22 })
        {
            Swap16(entry);
            Swap16(entry + 2);
            Swap32(entry + 4);
        }
        // a SHORT value sits in the first two bytes of the value field, whatever the byte order
        BinaryPrimitives.WriteUInt16BigEndian(be.AsSpan(18), BinaryPrimitives.ReadUInt16LittleEndian(le.AsSpan(18)));
        BinaryPrimitives.WriteUInt16BigEndian(be.AsSpan(20), 0);
        Swap32(30);
        Swap32(34);
        Swap16(38);
        Swap16(40);
        Swap16(42);
        Swap32(44);
        Swap32(52);
        return be;
    }

    private static byte[] ExifTiffLittleEndian(ushort orientation)
    {
        var tiff = new byte[56];
        "II"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(2), 42);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 8);
        // IFD0: two entries: Orientation, and the pointer to the GPS IFD.
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(8), 2);
        WriteEntry(tiff.AsSpan(10), tag: 0x0112, type: 3, count: 1, value: orientation);
        WriteEntry(tiff.AsSpan(22), tag: 0x8825, type: 4, count: 1, value: 38);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(34), 0);
        // GPS IFD: GPSLatitudeRef = "N".
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(38), 1);
        WriteEntry(tiff.AsSpan(40), tag: 0x0001, type: 2, count: 2, value: 'N');
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(52), 0);
        return tiff;
    }

    public static bool ContainsExif(byte[] image) => image.AsSpan().IndexOf("Exif\0\0"u8) >= 0;

    /// <summary>PNG's chunk checksum (CRC-32, polynomial 0xEDB88320).</summary>
    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }
        return ~crc;
    }

    private static void WriteEntry(Span<byte> entry, ushort tag, ushort type, uint count, uint value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(entry, tag);
        BinaryPrimitives.WriteUInt16LittleEndian(entry[2..], type);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[4..], count);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], value);
    }

    private static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality)
    {
        using var data = bitmap.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>
    /// A product photo the shipped model finds its item on (a sample newcomers get, models/samples), for tests about
    /// photo warnings: a good photo gets none, and the dark and blurred ones below are this photo made worse. Generated
    /// stand-ins (<see cref="PhotoLikeJpeg"/>: circles on a gradient, no item) are no good here, since the model's
    /// too-small-item check reads their scattered shapes as a small item.
    /// </summary>
    public static byte[] ProductJpeg(string sample = "08-unsellable.jpg") =>
        File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "models", "samples", sample));

    /// <summary>The product photo at a tenth of its light: too dark to judge damage on (intake's quality check flags it).</summary>
    public static byte[] DarkJpeg() => Dimmed(ProductJpeg(), 0.1f);

    /// <summary>The product photo out of focus (a Gaussian blur of σ = 6 px at its 768 px width): intake flags it blurred.</summary>
    public static byte[] BlurredJpeg() => Blurred(ProductJpeg(), 6);

    /// <summary>The product photo two stops over-exposed: intake flags it over-exposed.</summary>
    public static byte[] OverExposedJpeg() => OverExposed(ProductJpeg(), 2);

    /// <summary>
    /// The photo as if taken <paramref name="k"/> times further away: shrunk by k in the middle of a canvas of its own
    /// size, filled with its border's median colour (models/training/item_size_study.py's zoomed_out), as a JPEG q92.
    /// </summary>
    public static byte[] ZoomedOut(byte[] jpeg, int k)
    {
        using var source = SKBitmap.Decode(jpeg);
        var border = new List<SKColor>();
        for (var x = 0; x < source.Width; x++)
        {
            border.Add(source.GetPixel(x, 0));
            border.Add(source.GetPixel(x, source.Height - 1));
        }
        for (var y = 0; y < source.Height; y++)
        {
            border.Add(source.GetPixel(0, y));
            border.Add(source.GetPixel(source.Width - 1, y));
        }
        static byte Median(IEnumerable<byte> values) => values.Order().ElementAt(values.Count() / 2);
        var fill = new SKColor(Median(border.Select(c => c.Red)), Median(border.Select(c => c.Green)), Median(border.Select(c => c.Blue)));
        using var far = new SKBitmap(new SKImageInfo(source.Width, source.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(far))
        {
            canvas.Clear(fill);
            using var image = SKImage.FromBitmap(source);
            var (w, h) = ((float)Math.Round(source.Width / (double)k), (float)Math.Round(source.Height / (double)k));
            var (left, top) = ((source.Width - w) / 2, (source.Height - h) / 2);
            canvas.DrawImage(image, SKRect.Create(left, top, w, h), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }
        return Encode(far, SKEncodedImageFormat.Jpeg, 92);
    }

    /// <summary>The same photo blurred (Gaussian, σ in pixels of the photo as it is), as a JPEG q90.</summary>
    public static byte[] Blurred(byte[] jpeg, float sigma)
    {
        using var paint = new SKPaint { ImageFilter = SKImageFilter.CreateBlur(sigma, sigma, SKShaderTileMode.Clamp) };
        return Redrawn(jpeg, paint);
    }

    /// <summary>The same photo at <paramref name="brightness"/> of its light, as a JPEG q90.</summary>
    public static byte[] Dimmed(byte[] jpeg, float brightness)
    {
        using var paint = new SKPaint
        {
            ColorFilter = SKColorFilter.CreateColorMatrix([brightness, 0, 0, 0, 0, 0, brightness, 0, 0, 0, 0, 0, brightness, 0, 0, 0, 0, 0, 1, 0]),
        };
        return Redrawn(jpeg, paint);
    }

    /// <summary>
    /// The same photo as a camera over-exposes it by <paramref name="stops"/>: each channel to linear light, times
    /// 2^stops, clipped, back to sRGB (bench/photo-quality/exposure_survey.py does the same), as a JPEG q90.
    /// </summary>
    public static byte[] OverExposed(byte[] jpeg, double stops)
    {
        using var paint = OverExposure(stops);
        return Redrawn(jpeg, paint);
    }

    /// <summary><see cref="OverExposed"/> before it is encoded: the decoded photo with every channel mapped.</summary>
    public static SKBitmap OverExposedBitmap(byte[] jpeg, double stops)
    {
        using var paint = OverExposure(stops);
        return DrawnThrough(jpeg, paint);
    }

    /// <summary>A paint that maps each channel as <paramref name="stops"/> more exposure would: to linear light, times 2^stops, clipped, back to sRGB.</summary>
    private static SKPaint OverExposure(double stops)
    {
        var table = new byte[256];
        for (var v = 0; v < 256; v++)
        {
            var c = v / 255.0;
            var linear = Math.Min(1.0, (c <= 0.04045 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4)) * Math.Pow(2, stops));
            table[v] = (byte)Math.Round(255 * (linear <= 0.0031308 ? linear * 12.92 : 1.055 * Math.Pow(linear, 1 / 2.4) - 0.055));
        }
        return new SKPaint { ColorFilter = SKColorFilter.CreateTable(table) };
    }

    /// <summary>
    /// The same photo as if taken <paramref name="factor"/> times further away: shrunk by that factor into the middle of a
    /// canvas of its own size filled with the mean colour of its border, as a JPEG q92 (as item_size_study.py makes them).
    /// </summary>
    public static byte[] ZoomedOut(byte[] jpeg, float factor)
    {
        using var source = SKBitmap.Decode(jpeg);
        long r = 0, g = 0, b = 0, n = 0;
        for (var x = 0; x < source.Width; x++)
        {
            foreach (var y in new[] { 0, source.Height - 1 })
            {
                var c = source.GetPixel(x, y);
                (r, g, b, n) = (r + c.Red, g + c.Green, b + c.Blue, n + 1);
            }
        }
        for (var y = 0; y < source.Height; y++)
        {
            foreach (var x in new[] { 0, source.Width - 1 })
            {
                var c = source.GetPixel(x, y);
                (r, g, b, n) = (r + c.Red, g + c.Green, b + c.Blue, n + 1);
            }
        }
        using var surface = SKSurface.Create(new SKImageInfo(source.Width, source.Height));
        surface.Canvas.Clear(new SKColor((byte)(r / n), (byte)(g / n), (byte)(b / n)));
        var width = source.Width / factor;
        var height = source.Height / factor;
        using var image = SKImage.FromBitmap(source);
        surface.Canvas.DrawImage(image, SKRect.Create((source.Width - width) / 2, (source.Height - height) / 2, width, height),
            new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        using var drawn = surface.Snapshot();
        using var data = drawn.Encode(SKEncodedImageFormat.Jpeg, 92);
        return data.ToArray();
    }

    /// <summary>The photo drawn once through <paramref name="paint"/> at its own size, as a JPEG q90.</summary>
    private static byte[] Redrawn(byte[] jpeg, SKPaint paint)
    {
        using var drawn = DrawnThrough(jpeg, paint);
        using var data = drawn.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    /// <summary>The photo decoded and drawn once through <paramref name="paint"/> at its own size (the caller disposes it).</summary>
    private static SKBitmap DrawnThrough(byte[] jpeg, SKPaint paint)
    {
        using var source = SKBitmap.Decode(jpeg);
        var drawn = new SKBitmap(new SKImageInfo(source.Width, source.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(drawn);
        using var image = SKImage.FromBitmap(source);
        canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest), paint);
        return drawn;
    }
}
