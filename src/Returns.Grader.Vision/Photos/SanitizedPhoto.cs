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
public sealed record SanitizedPhoto(byte[] Jpeg, int Width, int Height, PhotoFormat SourceFormat, int SourceWidth, int SourceHeight);
