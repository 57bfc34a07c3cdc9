namespace Returns.Grader.Bench.ImageLibraries.Pipelines;

/// <summary>The stored copy: re-encoded JPEG and its dimensions.</summary>
public sealed record StoredCopy(byte[] Jpeg, int Width, int Height);

/// <summary>Model input: float32 CHW tensor of <c>3 × Height × Width</c>.</summary>
public sealed record ModelInput(float[] Tensor, int Width, int Height);

/// <summary>The knobs both libraries get, so neither benchmark quietly does less work.</summary>
public static class PipelineSettings
{
    public const int StoredLongSide = 2048;
    public const int StoredJpegQuality = 85;
    public const int ModelSize = 224;

    /// <summary>The model's manifest would supply these; 0.5/0.5 maps [0, 255] to [−1, 1].</summary>
    public static ReadOnlySpan<float> Mean => [0.5f, 0.5f, 0.5f];

    public static ReadOnlySpan<float> Std => [0.5f, 0.5f, 0.5f];
}
