using SkiaSharp;

namespace Returns.Grader.Bench.ImageLibraries.Inputs;

/// <summary>
/// Paints something that compresses like a photo: smooth gradients, soft-edged shapes, fractal texture and
/// sensor-like noise. A flat synthetic image would make every decoder look fast.
/// </summary>
internal static class PhotoPainter
{
    public static SKBitmap Paint(int width, int height, int seed, SKRectI marker)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var random = new Random(seed);
        using (var canvas = new SKCanvas(bitmap))
        {
            PaintBackground(canvas, width, height);
            PaintTexture(canvas, width, height, seed);
            PaintShapes(canvas, width, height, random);
            PaintFineTexture(canvas, width, height, seed);
            using var red = new SKPaint { Color = new SKColor(220, 30, 30) };
            canvas.DrawRect(marker, red);
        }

        AddSensorNoise(bitmap, seed);
        return bitmap;
    }

    private static void PaintBackground(SKCanvas canvas, int width, int height)
    {
        using var paint = new SKPaint();
        paint.Shader = SKShader.CreateLinearGradient(
            new SKPoint(0, 0),
            new SKPoint(width * 0.2f, height),
            [new SKColor(168, 190, 214), new SKColor(214, 204, 186), new SKColor(120, 104, 88)],
            [0f, 0.55f, 1f],
            SKShaderTileMode.Clamp);
        canvas.DrawRect(0, 0, width, height, paint);

        // Vignette, like a phone lens.
        paint.Shader = SKShader.CreateRadialGradient(
            new SKPoint(width / 2f, height / 2f),
            width * 0.7f,
            [SKColors.Transparent, new SKColor(0, 0, 0, 110)],
            [0.45f, 1f],
            SKShaderTileMode.Clamp);
        canvas.DrawRect(0, 0, width, height, paint);
    }

    private static void PaintTexture(SKCanvas canvas, int width, int height, int seed)
    {
        using var paint = new SKPaint
        {
            Shader = SKShader.CreatePerlinNoiseFractalNoise(0.0035f, 0.005f, 4, seed % 1000),
            BlendMode = SKBlendMode.Overlay,
        };
        canvas.DrawRect(0, 0, width, height, paint);
    }

    /// <summary>Fabric/cardboard-like fine detail over everything: what makes real photos big JPEGs.</summary>
    private static void PaintFineTexture(SKCanvas canvas, int width, int height, int seed)
    {
        using var paint = new SKPaint
        {
            Shader = SKShader.CreatePerlinNoiseTurbulence(0.06f, 0.045f, 3, (seed % 1000) + 1),
            BlendMode = SKBlendMode.SoftLight,
        };
        canvas.DrawRect(0, 0, width, height, paint);
    }

    private static void PaintShapes(SKCanvas canvas, int width, int height, Random random)
    {
        using var paint = new SKPaint { IsAntialias = true };
        for (var i = 0; i < 400; i++)
        {
            var x = random.Next(width);
            var y = random.Next(height);
            var w = 20 + random.Next(random.Next(4) == 0 ? width / 5 : width / 16);
            var h = 20 + random.Next(random.Next(4) == 0 ? height / 5 : height / 16);
            var rect = new SKRect(x, y, x + w, y + h);

            // No saturated reds: the orientation checks look for the one red marker.
            var a = RandomColor(random);
            var b = RandomColor(random);
            paint.Shader = random.Next(2) == 0
                ? SKShader.CreateLinearGradient(new SKPoint(rect.Left, rect.Top), new SKPoint(rect.Right, rect.Bottom), [a, b], SKShaderTileMode.Clamp)
                : SKShader.CreateRadialGradient(new SKPoint(rect.MidX, rect.MidY), Math.Max(w, h) / 2f, [a, b], SKShaderTileMode.Clamp);
            paint.MaskFilter = random.Next(3) == 0 ? SKMaskFilter.CreateBlur(SKBlurStyle.Normal, 2 + random.Next(12)) : null;

            switch (random.Next(3))
            {
                case 0:
                    canvas.DrawOval(rect, paint);
                    break;
                case 1:
                    canvas.DrawRoundRect(rect, 24, 24, paint);
                    break;
                default:
                    paint.Shader = null;
                    paint.Color = a;
                    paint.StrokeWidth = 2 + random.Next(10);
                    canvas.DrawLine(x, y, x + w, y + (h / 3), paint);
                    break;
            }

            paint.MaskFilter?.Dispose();
            paint.Shader?.Dispose();
        }
    }

    private static SKColor RandomColor(Random random) =>
        new((byte)random.Next(60, 230), (byte)random.Next(90, 230), (byte)random.Next(90, 230), (byte)random.Next(150, 256));

    /// <summary>Luma noise plus a little chroma noise, roughly what a phone sensor leaves indoors (warehouse light, ISO 400–800).</summary>
    private static void AddSensorNoise(SKBitmap bitmap, int seed)
    {
        var pixels = bitmap.GetPixelSpan();
        var state = (uint)seed | 1u;
        for (var i = 0; i < pixels.Length; i += 4)
        {
            var luma = Gaussian(ref state) * 5f;
            for (var c = 0; c < 3; c++)
            {
                var value = pixels[i + c] + luma + (Gaussian(ref state) * 1.5f);
                pixels[i + c] = (byte)Math.Clamp((int)MathF.Round(value), 0, 255);
            }
        }
    }

    /// <summary>Approximately normal (sum of four uniforms), fast enough for 12 M pixels.</summary>
    private static float Gaussian(ref uint state)
    {
        var sum = 0f;
        for (var i = 0; i < 4; i++)
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            sum += state * (1f / uint.MaxValue);
        }

        return (sum - 2f) * 1.7320508f; // variance of the sum is 4/12; scale to 1
    }
}
