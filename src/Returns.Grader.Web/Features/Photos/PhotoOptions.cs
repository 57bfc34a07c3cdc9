using System.ComponentModel.DataAnnotations;
using Returns.Grader.Vision.Photos;

namespace Returns.Grader.Web.Features.Photos;

/// <summary>Section "Grader:Photos": what an upload may be and how the kept copy is made.</summary>
public sealed class PhotoOptions : IValidatableObject
{
    public const string Section = "Grader:Photos";

    [Range(1024, 200L * 1024 * 1024)]
    public long MaxBytes { get; set; } = PhotoLimits.Default.MaxBytes;

    [Range(1d, 500_000_000d)] // double bounds (there is no long overload): an int Range converts the value to int, and 5 000 000 000 threw instead of failing validation
    public long MaxPixels { get; set; } = PhotoLimits.Default.MaxPixels;

    [Range(16, 65_535)]
    public int MaxSide { get; set; } = PhotoLimits.Default.MaxSide;

    /// <summary>The shortest short side a photo may have (pixels).</summary>
    [Range(1, 4096)]
    public int MinShortSide { get; set; } = PhotoLimits.Default.MinShortSide;

    [Range(256, 16_384)]
    public int StoredMaxLongSide { get; set; } = PhotoLimits.Default.StoredMaxLongSide;

    [Range(50, 100)]
    public int JpegQuality { get; set; } = PhotoLimits.Default.JpegQuality;

    [Range(1, 50)]
    public int MaxFilesPerRequest { get; set; } = 10;

    /// <summary>
    /// Photos decoded and graded at once; more wait their turn (decoding a 12 MP photo takes a core for ~50–250 ms,
    /// the model ~100 ms more). Load shedding (IntakeAdmission) admits photos against this.
    /// </summary>
    [Range(1, 64)]
    public int MaxConcurrentPhotos { get; set; } = Math.Clamp(Environment.ProcessorCount, 1, 64); // within the range on a 128-core host too

    /// <summary>
    /// Photos that may wait beyond those being worked on; more are answered 503 with Retry-After at once. Four per
    /// core keeps the wait of an accepted photo near 2 s at the measured capacity (docs/benchmarks.md, "Load shedding").
    /// </summary>
    [Range(0, 10_000)]
    public int MaxQueuedPhotos { get; set; } = 4 * Math.Clamp(Environment.ProcessorCount, 1, 64);

    /// <summary>The longest a photo waits for its turn before it is answered 503 (a safety net if photos slow down).</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:05:00")]
    public TimeSpan MaxQueueWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The largest multipart request that can be legitimate (all files at their limit, plus headers).</summary>
    public long MaxRequestBytes => MaxFilesPerRequest * MaxBytes + 1024 * 1024;

    /// <summary>Limits that no photo can meet together (operator pass, 2026-12-05: MinShortSide 4096 with MaxSide 1000
    /// started healthy and refused every photo).</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinShortSide > MaxSide)
        {
            yield return new ValidationResult(
                $"Grader:Photos:MinShortSide ({MinShortSide}) is larger than Grader:Photos:MaxSide ({MaxSide}): no photo could be accepted.",
                [nameof(MinShortSide), nameof(MaxSide)]);
        }
        else if ((long)MinShortSide * MinShortSide > MaxPixels)
        {
            yield return new ValidationResult(
                $"Grader:Photos:MinShortSide ({MinShortSide}) squared is more than Grader:Photos:MaxPixels ({MaxPixels}): no photo could be accepted.",
                [nameof(MinShortSide), nameof(MaxPixels)]);
        }
    }

    public PhotoLimits ToLimits() => new(MaxBytes, MaxPixels, MaxSide, StoredMaxLongSide, JpegQuality, MinShortSide);
}
