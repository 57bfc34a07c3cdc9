using System.Buffers;
using SkiaSharp;

namespace Returns.Grader.Vision.Inference;

/// <summary>
/// Upright photo → the network's input tensor, exactly as the manifest says (size, channel order, scale, mean, std);
/// nothing here is a constant of any particular model.
/// </summary>
public static class Preprocessing
{
    public static int TensorLength(ManifestInput input) => 3 * input.Height * input.Width;

    /// <summary>Resizes the whole photo to the input size (stretch, antialiased bilinear exactly as the training side's
    /// Pillow does it: <see cref="AntialiasedResize"/>) and writes the normalized CHW tensor into
    /// <paramref name="destination"/>. <paramref name="origin"/> is how the bitmap is stored (EXIF orientation); the
    /// tensor is always of the upright picture. The pixels must be opaque (alpha is not read): the sanitizer's copy is,
    /// because it is flattened onto white.</summary>
    public static void FromBitmap(SKBitmap bitmap, ManifestInput input, Span<float> destination, SKEncodedOrigin origin = SKEncodedOrigin.TopLeft)
    {
        ArgumentNullException.ThrowIfNull(bitmap);
        ArgumentNullException.ThrowIfNull(input);
        if (bitmap.ColorType is not (SKColorType.Rgba8888 or SKColorType.Bgra8888))
        {
            throw new ArgumentException($"Expected 8-bit RGBA or BGRA pixels, got {bitmap.ColorType}.", nameof(bitmap));
        }
        var rgb = ArrayPool<byte>.Shared.Rent(3 * input.Width * input.Height);
        try
        {
            AntialiasedResize.Resize(bitmap.GetPixelSpan(), bitmap.Width, bitmap.Height, bitmap.RowBytes, origin,
                input.Width, input.Height, rgb, bgra: bitmap.ColorType == SKColorType.Bgra8888);
            Normalize(rgb, 3, input, destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rgb);
        }
    }

    /// <summary>Interleaved 8-bit RGB(A) pixels (row-major, <paramref name="channels"/> per pixel) → normalized CHW floats.</summary>
    public static void Normalize(ReadOnlySpan<byte> pixels, int channels, ManifestInput input, Span<float> destination)
    {
        var plane = input.Height * input.Width;
        if (pixels.Length < plane * channels || destination.Length < 3 * plane)
        {
            throw new ArgumentException($"Expected {plane} pixels of {channels} channels into {3 * plane} floats.");
        }
        var bgr = input.ChannelOrder == "BGR";
        for (var c = 0; c < 3; c++)
        {
            var source = bgr ? 2 - c : c;
            // (v * scale - mean) / std, folded into v * a + b; float32 like the training side.
            var a = input.Scale / input.Std[c];
            var b = -input.Mean[c] / input.Std[c];
            var output = destination.Slice(c * plane, plane);
            for (var i = 0; i < plane; i++)
            {
                output[i] = pixels[i * channels + source] * a + b;
            }
        }
    }
}
