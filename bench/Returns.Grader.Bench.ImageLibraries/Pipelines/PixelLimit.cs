namespace Returns.Grader.Bench.ImageLibraries.Pipelines;

/// <summary>Rejects decompression bombs from header dimensions, before any pixel is decoded.</summary>
public static class PixelLimit
{
    /// <summary>48 MP: every current phone camera fits, a 20k × 20k bomb does not.</summary>
    public const long DefaultMaxPixels = 48_000_000;

    public static void Ensure(int width, int height, long maxPixels)
    {
        var pixels = (long)width * height;
        if (width <= 0 || height <= 0 || pixels > maxPixels)
        {
            throw new InvalidDataException($"Image is {width}×{height} = {pixels:N0} pixels; the limit is {maxPixels:N0}.");
        }
    }
}
