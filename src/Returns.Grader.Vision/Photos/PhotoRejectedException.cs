namespace Returns.Grader.Vision.Photos;

public enum PhotoRejection
{
    Empty,
    TooManyBytes,
    UnsupportedFormat,
    TooManyPixels,
    Corrupt,
    TooFewPixels,
}

/// <summary>An upload that is not kept. The message is written for the person who sent it.</summary>
public sealed class PhotoRejectedException(PhotoRejection reason, string message) : Exception(message)
{
    public PhotoRejection Reason { get; } = reason;
}
