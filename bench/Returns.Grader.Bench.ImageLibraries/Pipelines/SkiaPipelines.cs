using SkiaSharp;

namespace Returns.Grader.Bench.ImageLibraries.Pipelines;

/// <summary>The photo-intake and inference paths written against SkiaSharp.</summary>
public static class SkiaPipelines
{
    /// <summary>
    /// JPEG/PNG bytes → header dimensions (pixel limit) → decode → upright → long side ≤ 2048 → JPEG q85.
    /// Skia's encoder writes no EXIF/XMP/ICC for an image without a colour space: nothing to strip.
    /// </summary>
    public static StoredCopy Intake(byte[] encoded, SkiaIntakeMode mode, long maxPixels = PixelLimit.DefaultMaxPixels)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data) ?? throw new InvalidDataException("Not a decodable image.");

        // SKCodec.Create parses only the header: the limit is enforced before any pixel is decoded.
        var info = codec.Info;
        PixelLimit.Ensure(info.Width, info.Height, maxPixels);

        var origin = codec.EncodedOrigin;
        var upright = SkiaOrientation.GetUprightSize(origin, info.Width, info.Height);
        var scale = Math.Min(1f, (float)PipelineSettings.StoredLongSide / Math.Max(upright.Width, upright.Height));
        var targetWidth = Math.Max(1, (int)MathF.Round(upright.Width * scale));
        var targetHeight = Math.Max(1, (int)MathF.Round(upright.Height * scale));

        var decodeSize = mode == SkiaIntakeMode.FullDecodeMitchell ? info.Size : SmallestDecodeCovering(codec, scale);
        using var decoded = Decode(codec, decodeSize);
        using var decodedPixels = decoded.PeekPixels();
        using var stored = SKImage.FromPixels(decodedPixels); // shares the bitmap's pixels, no copy
        var decodedUpright = SkiaOrientation.GetUprightSize(origin, decoded.Width, decoded.Height);
        var resize = SKMatrix.CreateScale((float)targetWidth / decodedUpright.Width, (float)targetHeight / decodedUpright.Height);
        var sampling = mode == SkiaIntakeMode.FullDecodeMitchell
            ? SamplingFor(resize.ScaleX)
            : new SKSamplingOptions(SKFilterMode.Linear);

        using var target = new SKBitmap(new SKImageInfo(targetWidth, targetHeight, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(target))
        {
            SkiaOrientation.DrawUpright(canvas, stored, origin, resize, sampling);
        }

        using var pixmap = target.PeekPixels();
        using var jpeg = pixmap.Encode(new SKJpegEncoderOptions(PipelineSettings.StoredJpegQuality))
            ?? throw new InvalidOperationException("JPEG encoding failed.");
        return new StoredCopy(jpeg.ToArray(), targetWidth, targetHeight);
    }

    /// <summary>
    /// Encoded bytes → scaled decode (smallest n/8 JPEG scale that still covers 224) → upright →
    /// cover-resize + centre-crop to 224 × 224 → CHW tensor. PNG has no scaled decode: full decode.
    /// </summary>
    public static ModelInput PrepareModelInput(byte[] encoded)
    {
        const int size = PipelineSettings.ModelSize;
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data) ?? throw new InvalidDataException("Not a decodable image.");

        var info = codec.Info;
        var origin = codec.EncodedOrigin;
        var upright = SkiaOrientation.GetUprightSize(origin, info.Width, info.Height);
        var cover = (float)size / Math.Min(upright.Width, upright.Height);

        using var decoded = Decode(codec, SmallestDecodeCovering(codec, Math.Min(1f, cover)));
        using var decodedPixels = decoded.PeekPixels();
        using var stored = SKImage.FromPixels(decodedPixels); // shares the bitmap's pixels, no copy
        var decodedUpright = SkiaOrientation.GetUprightSize(origin, decoded.Width, decoded.Height);
        var scale = (float)size / Math.Min(decodedUpright.Width, decodedUpright.Height);
        var cropX = ((decodedUpright.Width * scale) - size) / 2f;
        var cropY = ((decodedUpright.Height * scale) - size) / 2f;
        var resizeAndCrop = SKMatrix.CreateScaleTranslation(scale, scale, -cropX, -cropY);

        using var target = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(target))
        {
            SkiaOrientation.DrawUpright(canvas, stored, origin, resizeAndCrop, SamplingFor(scale));
        }

        var tensor = ChwTensor.FromInterleaved(
            target.GetPixelSpan(), size, size, bytesPerPixel: 4, target.RowBytes, PipelineSettings.Mean, PipelineSettings.Std);
        return new ModelInput(tensor, size, size);
    }

    /// <summary>
    /// Skia's cubic sampler does not widen its kernel when shrinking, so below 1/2 it would alias; there,
    /// trilinear mipmaps are Skia's anti-aliased option (what the PNG → 224 path needs).
    /// </summary>
    private static SKSamplingOptions SamplingFor(float scale) =>
        scale >= 0.5f ? new SKSamplingOptions(SKCubicResampler.Mitchell) : new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear);

    /// <summary>
    /// The smallest size the codec can decode to (JPEG: n/8 of the stored size, in libjpeg-turbo's DCT; other
    /// formats: full size only) that is still at least <paramref name="scale"/> × the stored size, so the
    /// resize after it only ever shrinks. SKCodec.GetScaledDimensions alone rounds to the nearest step:
    /// for 2048/4032 it offers 4/8 (2016 px), which would then be enlarged.
    /// </summary>
    private static SKSizeI SmallestDecodeCovering(SKCodec codec, float scale)
    {
        var full = codec.Info.Size;
        var minWidth = (int)MathF.Ceiling((full.Width * scale) - 0.01f);
        var minHeight = (int)MathF.Ceiling((full.Height * scale) - 0.01f);
        for (var eighths = 1; eighths < 8; eighths++)
        {
            var size = codec.GetScaledDimensions(eighths / 8f);
            if (size.Width >= minWidth && size.Height >= minHeight)
            {
                return size;
            }
        }

        return full;
    }

    private static SKBitmap Decode(SKCodec codec, SKSizeI size)
    {
        var alpha = codec.Info.AlphaType == SKAlphaType.Opaque ? SKAlphaType.Opaque : SKAlphaType.Premul;
        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, alpha);
        var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            bitmap.Dispose();
            throw new InvalidDataException($"Decoding failed: {result}.");
        }

        return bitmap;
    }
}

/// <summary>How the SkiaSharp intake trades decode work against resampling quality.</summary>
public enum SkiaIntakeMode
{
    /// <summary>Full-size decode, one Mitchell cubic pass: the closest match to libvips (full decode + Lanczos3).</summary>
    FullDecodeMitchell,

    /// <summary>Decode at the smallest n/8 scale still ≥ the target (5/8 for 4032 → 2048), one bilinear pass (scale ≈ 0.81).</summary>
    ScaledDecodeBilinear,
}
