using Returns.Grader.Vision.Inference;
using Returns.Grader.Vision.Photos;
using SkiaSharp;

namespace Returns.Grader.Bench.Vision.Paths;

/// <summary>
/// Encoded photo → the network's input tensor, decoding no more pixels than the model needs. This is the piece that
/// Vision lacks as a public API (PhotoSanitizer.DecodeAtLeast is internal and aims at the stored copy's long side);
/// written here so that Vision can take it over as-is (e.g. <c>Preprocessing.FromEncoded</c>).
/// </summary>
public static class ModelInputDecoder
{
    /// <summary>Writes the tensor into <paramref name="destination"/>; returns the upright size of the full photo
    /// (the coordinate space of the damage boxes).</summary>
    public static (int Width, int Height) Decode(ReadOnlySpan<byte> bytes, ManifestInput input, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var data = SKData.CreateCopy(bytes);
        using var stream = new SKMemoryStream(data);
        using var codec = SKCodec.Create(stream) ?? throw new InvalidDataException("Not a decodable image.");
        var origin = codec.EncodedOrigin;
        using var decoded = DecodeForModel(codec, input);
        Preprocessing.FromBitmap(decoded, input, destination, origin); // orient + Pillow's resize in one pass, normalize
        return Orientation.UprightSize(origin, codec.Info.Width, codec.Info.Height);
    }

    /// <summary>
    /// The smallest n/8 scale at which the upright picture is still at least the manifest's min_decoded_factor times
    /// the input on both axes (its shrink-on-load rule; PIL's draft on the training side takes powers of two only, so
    /// the two agree on a 12 MP photo (1/8 both) but not on every size: an 896 px photo for 320 px decodes at 3/8 =
    /// 336 here, 1/2 = 448 in PIL). A 4032×3024 photo for model 3.0.1 (320 px, factor 1.0) decodes at 1/8 = 504×378
    /// (0.19 MP instead of 12.2 MP); under 3.0.0's factor 1.5 it took 2/8.
    /// </summary>
    public static SKSizeI ChooseDecodeSize(SKCodec codec, ManifestInput input)
    {
        ArgumentNullException.ThrowIfNull(codec);
        ArgumentNullException.ThrowIfNull(input);
        var factor = input.Resize.MinDecodedFactor;
        for (var eighths = 1; eighths < 8; eighths++)
        {
            var scaled = codec.GetScaledDimensions(eighths / 8f);
            var (width, height) = Orientation.UprightSize(codec.EncodedOrigin, scaled.Width, scaled.Height);
            if (width >= factor * input.Width && height >= factor * input.Height)
            {
                return scaled;
            }
        }
        return codec.Info.Size;
    }

    public static SKBitmap DecodeForModel(SKCodec codec, ManifestInput input)
    {
        ArgumentNullException.ThrowIfNull(codec);
        if (codec.Info.AlphaType != SKAlphaType.Opaque)
        {
            // The resize reads colour only; a transparent photo would need flattening onto white first, as the app's
            // sanitizer does. The bench feeds a JPEG.
            throw new InvalidDataException("This path takes opaque photos only (JPEG).");
        }
        var size = ChooseDecodeSize(codec, input);
        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
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
