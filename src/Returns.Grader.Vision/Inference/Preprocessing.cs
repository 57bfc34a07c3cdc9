using SkiaSharp;

namespace Returns.Grader.Vision.Inference;

/// <summary>
/// Upright photo → the network's input tensor, exactly as the manifest says (size, channel order, scale, mean, std);
/// nothing here is a constant of any particular model.
/// </summary>
public static class Preprocessing
{
    public static int TensorLength(ManifestInput input) => 3 * input.Height * input.Width;

    /// <summary>Resizes the whole upright photo to the input size (stretch, bilinear with mipmaps so a big shrink is
    /// anti-aliased) and writes the normalized CHW tensor into <paramref name="destination"/>.</summary>
    public static void FromBitmap(SKBitmap upright, ManifestInput input, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(upright);
        var info = new SKImageInfo(input.Width, input.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var resized = new SKBitmap(info);
        using (var canvas = new SKCanvas(resized))
        using (var pixels = upright.PeekPixels())
        using (var image = SKImage.FromPixels(pixels))
        {
            canvas.Clear(SKColors.White);
            canvas.DrawImage(image, new SKRect(0, 0, input.Width, input.Height), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }
        Normalize(resized.GetPixelSpan(), 4, input, destination);
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
