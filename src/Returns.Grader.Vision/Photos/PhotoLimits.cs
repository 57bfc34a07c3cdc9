namespace Returns.Grader.Vision.Photos;

/// <summary>What an uploaded photo may be, checked before its pixels are decoded, and how the kept copy is made.</summary>
/// <param name="MaxBytes">Largest accepted file.</param>
/// <param name="MaxPixels">Largest accepted width × height, read from the header before decoding (decompression bombs).</param>
/// <param name="MaxSide">Longest accepted side, read from the header (absurd dimensions).</param>
/// <param name="StoredMaxLongSide">The kept copy's longer side is at most this, unless its short side would then fall under MinShortSide (PhotoSanitizer.KeptLongSide); a JPEG decoder scale up to 2 % under it is
/// kept as decoded rather than resampled (PhotoSanitizer.StoredSizeTolerance: a 4032 px photo is kept at 2016 px).</param>
/// <param name="JpegQuality">Quality of the re-encoded JPEG that is kept.</param>
/// <param name="MinShortSide">Shortest accepted short side, read from the header: a 1×1 or thumbnail-sized image has no damage
/// to see, and the model answered one with a confident "Like new" (API pass, 2026-12-05).</param>
public sealed record PhotoLimits(long MaxBytes, long MaxPixels, int MaxSide, int StoredMaxLongSide, int JpegQuality, int MinShortSide = 100)
{
    public static PhotoLimits Default { get; } = new(
        MaxBytes: 25 * 1024 * 1024,
        MaxPixels: 60_000_000,
        MaxSide: 16_384,
        StoredMaxLongSide: 2048,
        JpegQuality: 88);
}
