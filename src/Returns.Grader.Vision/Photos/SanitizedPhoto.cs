namespace Returns.Grader.Vision.Photos;

public enum PhotoFormat
{
    Jpeg,
    Png,
    Webp,
}

/// <summary>
/// A photo that passed intake: upright, stripped of all metadata and re-encoded as JPEG.
/// Width and height are those of <see cref="Jpeg"/>, the copy that is kept and that damage boxes refer to.
/// </summary>
public sealed record SanitizedPhoto(byte[] Jpeg, int Width, int Height, PhotoFormat SourceFormat, int SourceWidth, int SourceHeight)
{
    /// <summary>The models' input tensors made from the same decoded pixels, one per input spec given (in that order).</summary>
    public IReadOnlyList<float[]> ModelInputs { get; init; } = [];

    /// <summary>What <see cref="PhotoQuality"/> found wrong with the photo (e.g. "dark"); empty when nothing.</summary>
    public IReadOnlyList<string> QualityWarnings { get; init; } = [];

    /// <summary>The first model's tensor, when a model was given.</summary>
    public float[]? ModelInput => ModelInputs.Count > 0 ? ModelInputs[0] : null;
}
