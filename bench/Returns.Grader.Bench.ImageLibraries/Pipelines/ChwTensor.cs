namespace Returns.Grader.Bench.ImageLibraries.Pipelines;

/// <summary>Interleaved 8-bit RGB(A) → planar float32 RGB (CHW), (v/255 − mean)/std per channel.</summary>
public static class ChwTensor
{
    public static float[] FromInterleaved(
        ReadOnlySpan<byte> pixels, int width, int height, int bytesPerPixel, int rowBytes,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> std)
    {
        var plane = width * height;
        var tensor = new float[3 * plane];
        Span<float> scale = stackalloc float[3];
        Span<float> bias = stackalloc float[3];
        for (var c = 0; c < 3; c++)
        {
            scale[c] = 1f / (255f * std[c]);
            bias[c] = -mean[c] / std[c];
        }

        for (var y = 0; y < height; y++)
        {
            var row = pixels.Slice(y * rowBytes, width * bytesPerPixel);
            var offset = y * width;
            for (var x = 0; x < width; x++)
            {
                var p = x * bytesPerPixel;
                tensor[offset + x] = (row[p] * scale[0]) + bias[0];
                tensor[plane + offset + x] = (row[p + 1] * scale[1]) + bias[1];
                tensor[(2 * plane) + offset + x] = (row[p + 2] * scale[2]) + bias[2];
            }
        }

        return tensor;
    }
}
