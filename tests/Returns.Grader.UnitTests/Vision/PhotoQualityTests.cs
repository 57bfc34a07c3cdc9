using Returns.Grader.TestSupport;
using Returns.Grader.Vision.Photos;
using SkiaSharp;

namespace Returns.Grader.UnitTests.Vision;

/// <summary>The photo-quality check at intake (issue 17): a photo too dark to judge damage on is flagged; good photos are not.</summary>
public sealed class PhotoQualityTests
{
    private static readonly PhotoLimits Limits = PhotoLimits.Default;

    public static TheoryData<string> Samples => [.. Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "models", "samples"), "*.jpg").Select(Path.GetFileName).OfType<string>()];

    private static byte[] Sample(string name) => File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "models", "samples", name));

    /// <summary>The same photo at <paramref name="brightness"/> of its light, as a JPEG.</summary>
    private static byte[] Dimmed(byte[] jpeg, float brightness)
    {
        using var source = SKBitmap.Decode(jpeg);
        using var surface = SKSurface.Create(new SKImageInfo(source.Width, source.Height));
        using var paint = new SKPaint
        {
            ColorFilter = SKColorFilter.CreateColorMatrix([brightness, 0, 0, 0, 0, 0, brightness, 0, 0, 0, 0, 0, brightness, 0, 0, 0, 0, 0, 1, 0]),
        };
        using var sourceImage = SKImage.FromBitmap(source);
        surface.Canvas.DrawImage(sourceImage, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest), paint);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void ASamplePhoto_HasNoWarning(string sample)
    {
        Assert.Empty(PhotoSanitizer.Sanitize(Sample(sample), Limits).QualityWarnings);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void TheSamePhotoAtATenthOfItsLight_IsTooDark(string sample)
    {
        var photo = PhotoSanitizer.Sanitize(Dimmed(Sample(sample), 0.1f), Limits);

        Assert.Equal([PhotoQuality.Dark], photo.QualityWarnings);
    }

    [Fact]
    public void Luma95_IsThe95thPercentileOfTheLuma()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(100, 100, SKColorType.Rgba8888, SKAlphaType.Premul));
        for (var y = 0; y < 100; y++)
        {
            for (var x = 0; x < 100; x++)
            {
                // 95 % of the pixels black, 5 % white: the 95th percentile is black; one more row of white and it is white
                bitmap.SetPixel(x, y, y < 95 ? SKColors.Black : SKColors.White);
            }
        }
        Assert.Equal(0, PhotoQuality.Luma95(bitmap));
        for (var x = 0; x < 100; x++)
        {
            bitmap.SetPixel(x, 94, SKColors.White);
        }
        Assert.Equal(255, PhotoQuality.Luma95(bitmap));
    }
}
