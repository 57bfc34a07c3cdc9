using Returns.Grader.TestSupport;
using Returns.Grader.Vision.Photos;
using SkiaSharp;

namespace Returns.Grader.UnitTests.Vision;

public sealed class PhotoSanitizerTests
{
    private static readonly PhotoLimits Limits = PhotoLimits.Default;

    // Stored pixels: 400×200, red left half, blue right half. Each EXIF orientation says how to turn that to view it;
    // the expected colours are those at the upright picture's top-left and bottom-right corners.
    [Theory]
    [InlineData(1, 400, 200, "red", "blue")]
    [InlineData(2, 400, 200, "blue", "red")]   // mirrored
    [InlineData(3, 400, 200, "blue", "red")]   // 180°
    [InlineData(4, 400, 200, "red", "blue")]   // flipped vertically
    [InlineData(5, 200, 400, "red", "blue")]   // transposed
    [InlineData(6, 200, 400, "red", "blue")]   // 90° clockwise: the left half becomes the top
    [InlineData(7, 200, 400, "blue", "red")]   // transverse
    [InlineData(8, 200, 400, "blue", "red")]   // 90° counter-clockwise: the right half becomes the top
    public void EveryExifOrientation_IsAppliedAndTheTagIsGone(int orientation, int width, int height, string topLeft, string bottomRight)
    {
        var jpeg = TestPhotos.WithExif(TestPhotos.HalfRedHalfBlueJpeg(400, 200), (ushort)orientation);

        var photo = PhotoSanitizer.Sanitize(jpeg, Limits);

        Assert.Equal((width, height), (photo.Width, photo.Height));
        Assert.False(TestPhotos.ContainsExif(photo.Jpeg));
        using var bitmap = SKBitmap.Decode(photo.Jpeg);
        Assert.Equal(topLeft, ColourName(bitmap.GetPixel(20, 20)));
        Assert.Equal(bottomRight, ColourName(bitmap.GetPixel(width - 20, height - 20)));
    }

    /// <summary>
    /// A PNG's orientation is in its eXIf chunk (PNG 1.5), which Skia does not read: a browser shows such a PNG turned,
    /// and intake kept it as stored, sideways (eighteenth session's photo pass). Both byte orders, before and after the
    /// image data; the GPS block in the chunk is not kept either.
    /// </summary>
    [Theory]
    [InlineData(6, false, false, 200, 400, "red", "blue")]
    [InlineData(8, false, false, 200, 400, "blue", "red")]
    [InlineData(3, true, false, 400, 200, "blue", "red")]
    [InlineData(6, false, true, 200, 400, "red", "blue")]
    [InlineData(5, true, true, 200, 400, "red", "blue")]
    [InlineData(1, false, false, 400, 200, "red", "blue")]
    public void APngsExifOrientation_IsApplied(int orientation, bool bigEndian, bool afterImageData, int width, int height, string topLeft, string bottomRight)
    {
        var png = TestPhotos.PngWithExif(TestPhotos.HalfRedHalfBluePng(400, 200), (ushort)orientation, afterImageData, bigEndian);

        var photo = PhotoSanitizer.Sanitize(png, Limits);

        Assert.Equal((width, height), (photo.Width, photo.Height));
        Assert.Equal(PhotoFormat.Png, photo.SourceFormat);
        using var bitmap = SKBitmap.Decode(photo.Jpeg);
        Assert.Equal(topLeft, ColourName(bitmap.GetPixel(20, 20)));
        Assert.Equal(bottomRight, ColourName(bitmap.GetPixel(width - 20, height - 20)));
        Assert.False(TestPhotos.ContainsExif(photo.Jpeg)); // the orientation is applied, the chunk (and its GPS) not kept
        Assert.Equal(-1, photo.Jpeg.AsSpan().IndexOf("II*\0"u8)); // nor the TIFF block in any other wrapping
    }

    /// <summary>
    /// Every byte of the eXIf chunk's data damaged in turn (offsets, counts, types, byte order): the photo is kept, turned
    /// or not, or refused in words; the reader never throws on bytes that come from outside.
    /// </summary>
    [Fact]
    public void ADamagedExifChunk_NeverBreaksIntake()
    {
        var png = TestPhotos.PngWithExif(TestPhotos.HalfRedHalfBluePng(400, 200), 6);
        var data = png.AsSpan().IndexOf("eXIf"u8) + 4;
        // from the chunk's length field (a length past the end, a wrong type) through every byte of its TIFF block
        for (var at = data - 8; at < data + 56; at++)
        {
            foreach (var value in new byte[] { 0x00, 0xFF, 0x7F })
            {
                var damaged = (byte[])png.Clone();
                damaged[at] = value;
                try
                {
                    var photo = PhotoSanitizer.Sanitize(damaged, Limits);
                    Assert.Contains((photo.Width, photo.Height), new[] { (400, 200), (200, 400) });
                }
                catch (PhotoRejectedException)
                {
                    // refused in words: fine
                }
            }
        }
    }

    /// <summary>An orientation out of range is no orientation: the PNG is kept as stored (damaged chunks: the test above).</summary>
    [Theory]
    [InlineData(9)]
    [InlineData(0)]
    public void APngWithAnOrientationOutOfRange_IsKeptAsStored(int orientation)
    {
        var png = TestPhotos.PngWithExif(TestPhotos.HalfRedHalfBluePng(400, 200), (ushort)orientation);

        var photo = PhotoSanitizer.Sanitize(png, Limits);

        Assert.Equal((400, 200), (photo.Width, photo.Height));
    }

    [Fact]
    public void LargePhoto_IsKeptScaledToTheStoredLongSide_WithItsAspect()
    {
        // 4600 px: the decoder's 4/8 is 2300 px, over the 2048 limit, so the kept copy is drawn down to it.
        var jpeg = TestPhotos.PhotoLikeJpeg(4600, 3450);

        var photo = PhotoSanitizer.Sanitize(jpeg, Limits);

        Assert.Equal((2048, 1536), (photo.Width, photo.Height));
        Assert.Equal((4600, 3450), (photo.SourceWidth, photo.SourceHeight));
        Assert.Equal(PhotoFormat.Jpeg, photo.SourceFormat);
    }

    [Theory]
    [InlineData(1, 2016, 1512)]
    [InlineData(6, 1512, 2016)]
    public void TwelveMegapixelPhoto_IsKeptAtTheDecodersHalfScale_NotResampledUpToTheLimit(int orientation, int width, int height)
    {
        // 4/8 of 4032 is 2016 px: 1.6 % under 2048, within StoredSizeTolerance, so it is kept as decoded (turned when
        // EXIF says so) instead of decoding 5/8 (2520 px) and drawing it down to 2048.
        var jpeg = TestPhotos.WithExif(TestPhotos.PhotoLikeJpeg(4032, 3024), (ushort)orientation);

        var photo = PhotoSanitizer.Sanitize(jpeg, Limits);

        Assert.Equal((width, height), (photo.Width, photo.Height));
        Assert.Equal((4032, 3024), (photo.SourceWidth, photo.SourceHeight));
        Assert.False(TestPhotos.ContainsExif(photo.Jpeg));
    }

    [Fact]
    public void TwelveMegapixelJpeg_IsDecodedAtTheSmallestEighthThatCoversTheStoredSize()
    {
        using var codec = SKCodec.Create(new SKMemoryStream(TestPhotos.PhotoLikeJpeg(4032, 3024)));

        using var decoded = PhotoSanitizer.DecodeAtLeast(codec, 2048);

        // 4/8 would be 2016 px (too small), so 5/8: the photo is never expanded to its full 12 megapixels.
        Assert.Equal((2520, 1890), (decoded.Width, decoded.Height));
    }

    [Fact]
    public void TransparentPng_IsFlattenedOnWhite()
    {
        var png = TestPhotos.SolidPng(120, 120, SKColors.Transparent);

        var photo = PhotoSanitizer.Sanitize(png, Limits);

        using var bitmap = SKBitmap.Decode(photo.Jpeg);
        var pixel = bitmap.GetPixel(25, 25);
        Assert.True(pixel.Red > 245 && pixel.Green > 245 && pixel.Blue > 245, $"expected white, got {pixel}");
        Assert.Equal(PhotoFormat.Png, photo.SourceFormat);
    }

    [Fact]
    public void Webp_IsAccepted() => Assert.Equal(PhotoFormat.Webp, PhotoSanitizer.Sanitize(TestPhotos.SolidWebp(120, 100, SKColors.Gray), Limits).SourceFormat);

    /// <summary>
    /// A JPEG whose data ends early at an end marker (cut and closed again) decodes "successfully", its missing rows flat
    /// grey; it was kept and the model called it Like new (security pass, 2026-12-07). It is refused as corrupt; the whole
    /// photo is kept.
    /// </summary>
    [Fact]
    public void AJpegWhoseDataEndsEarly_IsRefusedAsCorrupt()
    {
        var whole = TestPhotos.PhotoLikeJpeg(1024, 768);
        byte[] cut = [.. whole.AsSpan(0, whole.Length * 3 / 10), 0xFF, 0xD9];

        var error = Assert.Throws<PhotoRejectedException>(() => PhotoSanitizer.Sanitize(cut, Limits));

        Assert.Equal(PhotoRejection.Corrupt, error.Reason);
        Assert.Contains("the bottom of the photo is missing", error.Message, StringComparison.Ordinal);
        Assert.Equal((1024, 768), (PhotoSanitizer.Sanitize(whole, Limits).Width, PhotoSanitizer.Sanitize(whole, Limits).Height));
        // a picture mid-grey throughout is a picture, not a hole (review of the change)
        Assert.Equal(PhotoFormat.Jpeg, PhotoSanitizer.Sanitize(TestPhotos.SolidJpeg(640, 480, new SKColor(128, 128, 128)), Limits).SourceFormat);
    }

    [Fact]
    public void PixelLimit_IsCheckedFromTheHeaderBeforeDecoding()
    {
        // The header claims 50 000 × 50 000 (2.5 gigapixels, 10 GB decoded): refused without allocating it.
        var error = Assert.Throws<PhotoRejectedException>(() => PhotoSanitizer.Sanitize(TestPhotos.PngClaiming(50_000, 50_000), Limits));

        Assert.Equal(PhotoRejection.TooManyPixels, error.Reason);
        Assert.Contains("50000×50000", error.Message);
    }

    [Fact]
    public void LongSideLimit_IsChecked() =>
        Assert.Equal(PhotoRejection.TooManyPixels,
            Assert.Throws<PhotoRejectedException>(() => PhotoSanitizer.Sanitize(TestPhotos.PngClaiming(20_000, 10), Limits)).Reason);

    [Fact]
    public void ByteLimit_IsChecked() =>
        Assert.Equal(PhotoRejection.TooManyBytes,
            Assert.Throws<PhotoRejectedException>(() => PhotoSanitizer.Sanitize(TestPhotos.HalfRedHalfBlueJpeg(), Limits with { MaxBytes = 100 })).Reason);

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void TruncatedJpeg_IsRejectedAsCorrupt(double keep)
    {
        var truncated = TestPhotos.Truncated(TestPhotos.PhotoLikeJpeg(800, 600), keep);

        Assert.Equal(PhotoRejection.Corrupt, Assert.Throws<PhotoRejectedException>(() => PhotoSanitizer.Sanitize(truncated, Limits)).Reason);
    }

    [Fact]
    public void Gif_IsRejectedAsUnsupported() =>
        Assert.Equal(PhotoRejection.UnsupportedFormat, Assert.Throws<PhotoRejectedException>(() => PhotoSanitizer.Sanitize(TestPhotos.TinyGif(), Limits)).Reason);

    [Fact]
    public void PngSignatureWithGarbage_IsCorruptNotUnsupported()
    {
        byte[] bytes = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4, 5];

        Assert.Equal(PhotoRejection.Corrupt, Assert.Throws<PhotoRejectedException>(() => PhotoSanitizer.Sanitize(bytes, Limits)).Reason);
    }

    [Fact]
    public void EmptyFile_IsRejected() =>
        Assert.Equal(PhotoRejection.Empty, Assert.Throws<PhotoRejectedException>(() => PhotoSanitizer.Sanitize([], Limits)).Reason);

    private static string ColourName(SKColor c) =>
        c.Red > 180 && c.Blue < 80 ? "red" : c.Blue > 180 && c.Red < 80 ? "blue" : $"other {c}";
}
