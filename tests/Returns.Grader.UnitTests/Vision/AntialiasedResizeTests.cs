using System.Text.Json;
using Returns.Grader.Vision.Inference;
using SkiaSharp;

namespace Returns.Grader.UnitTests.Vision;

/// <summary>
/// The C# resize must give the network the bytes Pillow gave it in training. Fixtures/pil-antialiased-resize.json is
/// Pillow's own output (make_pil_resize.py beside it) for a formula-made picture stored in each EXIF orientation,
/// shrunk, enlarged, on one axis only (with and without a quarter turn), and shrunk 15×; each case is also read as BGRA.
/// </summary>
public sealed class AntialiasedResizeTests
{
    private sealed record Case(int Width, int Height, int Orientation, int OutWidth, int OutHeight, string RgbBase64);

    private sealed record Fixture(string Pillow, Case[] Cases);

    public static TheoryData<int> CaseIndexes()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < LoadFixture().Cases.Length; i++)
        {
            data.Add(i);
        }
        return data;
    }

    private static readonly JsonSerializerOptions SnakeCase = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private static Fixture LoadFixture()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Vision", "Fixtures", "pil-antialiased-resize.json");
        return JsonSerializer.Deserialize<Fixture>(File.ReadAllText(path), SnakeCase)!;
    }

    /// <summary>Same formula as make_pil_resize.py, as RGBA (or BGRA) with padded rows (rowBytes > 4·width) to prove the
    /// stride is honoured, in a buffer that ends exactly at the last pixel, so a read past it would throw.</summary>
    private static (byte[] Pixels, int RowBytes) StoredPixels(int width, int height, bool bgra = false)
    {
        var rowBytes = width * 4 + 12;
        var pixels = new byte[rowBytes * (height - 1) + width * 4];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    pixels[y * rowBytes + x * 4 + (bgra ? 2 - c : c)] = (byte)((37 * x + 101 * y + 59 * c + 13 * (x * y % 17)) % 256);
                }
                pixels[y * rowBytes + x * 4 + 3] = 255;
            }
        }
        return (pixels, rowBytes);
    }

    [Theory]
    [MemberData(nameof(CaseIndexes))]
    public void Resize_GivesPillowsBytes(int index)
    {
        var c = LoadFixture().Cases[index];
        var (pixels, rowBytes) = StoredPixels(c.Width, c.Height);
        var (bgraPixels, _) = StoredPixels(c.Width, c.Height, bgra: true);
        var actual = new byte[3 * c.OutWidth * c.OutHeight];
        var fromBgra = new byte[actual.Length];

        AntialiasedResize.Resize(pixels, c.Width, c.Height, rowBytes, (SKEncodedOrigin)c.Orientation, c.OutWidth, c.OutHeight, actual);
        AntialiasedResize.Resize(bgraPixels, c.Width, c.Height, rowBytes, (SKEncodedOrigin)c.Orientation, c.OutWidth, c.OutHeight, fromBgra, bgra: true);
        Assert.Equal(actual, fromBgra);

        var expected = Convert.FromBase64String(c.RgbBase64);
        var differing = Enumerable.Range(0, expected.Length).Where(i => expected[i] != actual[i]).ToList();
        Assert.True(differing.Count == 0,
            $"{c.Width}×{c.Height} orientation {c.Orientation} → {c.OutWidth}×{c.OutHeight}: {differing.Count} of {expected.Length} bytes differ from Pillow"
            + (differing.Count > 0 ? $", first at byte {differing[0]} ({actual[differing[0]]} instead of {expected[differing[0]]})" : ""));
    }

    [Fact]
    public void FromBitmap_OnAnUprightBitmap_EqualsResizeThenNormalize()
    {
        var input = new ManifestInput { Width = 6, Height = 4, Mean = [0.5f, 0.5f, 0.5f], Std = [0.5f, 0.5f, 0.5f], Scale = 1f / 255f };
        using var bitmap = new SKBitmap(new SKImageInfo(13, 9, SKColorType.Rgba8888, SKAlphaType.Premul));
        var (pixels, _) = StoredPixels(13, 9);
        var span = bitmap.GetPixelSpan();
        for (var y = 0; y < 9; y++)
        {
            pixels.AsSpan(y * (13 * 4 + 12), 13 * 4).CopyTo(span.Slice(y * bitmap.RowBytes, 13 * 4));
        }
        var rgb = new byte[3 * 6 * 4];
        AntialiasedResize.Resize(span, 13, 9, bitmap.RowBytes, SKEncodedOrigin.TopLeft, 6, 4, rgb);
        var expected = new float[3 * 6 * 4];
        Preprocessing.Normalize(rgb, 3, input, expected);

        var tensor = new float[3 * 6 * 4];
        Preprocessing.FromBitmap(bitmap, input, tensor);

        Assert.Equal(expected, tensor);
        Assert.All(tensor, v => Assert.InRange(v, -1f, 1f));
    }

    [Fact]
    public void FromBitmap_ReadsBgraPixelsAsTheSameColours()
    {
        var input = new ManifestInput { Width = 5, Height = 3, Mean = [0f, 0f, 0f], Std = [1f, 1f, 1f], Scale = 1f };
        using var rgba = new SKBitmap(new SKImageInfo(11, 7, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var bgra = new SKBitmap(new SKImageInfo(11, 7, SKColorType.Bgra8888, SKAlphaType.Premul));
        for (var y = 0; y < 7; y++)
        {
            for (var x = 0; x < 11; x++)
            {
                var colour = new SKColor((byte)(20 * x), (byte)(30 * y), (byte)(200 - 9 * x));
                rgba.SetPixel(x, y, colour);
                bgra.SetPixel(x, y, colour);
            }
        }
        var fromRgba = new float[45];
        var fromBgra = new float[45];

        Preprocessing.FromBitmap(rgba, input, fromRgba);
        Preprocessing.FromBitmap(bgra, input, fromBgra);

        Assert.Equal(fromRgba, fromBgra);
        Assert.True(fromRgba[14] > fromRgba[0], "red grows to the right");
        Assert.True(fromRgba[30] > fromRgba[44], "blue shrinks to the right");
    }

    [Fact]
    public void Resize_RejectsSpansSmallerThanTheSizes()
    {
        var pixels = new byte[4 * 10 * 10];
        Assert.Throws<ArgumentException>(() => AntialiasedResize.Resize(pixels, 10, 11, 40, SKEncodedOrigin.TopLeft, 5, 5, new byte[75]));
        Assert.Throws<ArgumentException>(() => AntialiasedResize.Resize(pixels, 10, 10, 40, SKEncodedOrigin.TopLeft, 5, 5, new byte[74]));
    }
}
