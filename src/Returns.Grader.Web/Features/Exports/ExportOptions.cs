using System.ComponentModel.DataAnnotations;

namespace Returns.Grader.Web.Features.Exports;

/// <summary>Section "Grader:Exports".</summary>
public sealed class ExportOptions
{
    public const string Section = "Grader:Exports";

    /// <summary>Where packages are written; relative paths are under the data directory.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Directory { get; set; } = "exports";

    /// <summary>
    /// Where the package's images will be in S3 for SageMaker: each manifest line's <c>source-ref</c> is this prefix, the
    /// package name, <c>/images/</c>, then the photo's path in the package. Upload the unzipped package there.
    /// </summary>
    [Required(AllowEmptyStrings = false), RegularExpression("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$",
        ErrorMessage = "Grader:Exports:SageMakerPrefix must be an s3:// URI of a bucket (and optional folder).")]
    public string SageMakerPrefix { get; set; } = "s3://returns-grader-datasets";

    /// <summary>A run cut short by a restart is started again; after this many starts the export fails visibly.</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>
    /// How long a node's claim on a running export holds without renewal (it renews every third of this). Several nodes
    /// share the queue: a job runs on the node that claimed it, and is started again elsewhere only once the claim has
    /// lapsed (its node died).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long after it is asked for an export starts. Its snapshot is the moment it was asked for, and a grade stamped
    /// just before that moment may still be on its way to the database: started at once, the export left it out, and a
    /// rerun of the same export (after a restart) put it in, so one version meant two datasets (ADR 0048). A grade
    /// reaches its commit within <see cref="Infrastructure.RowStamps.LatestCommitAfterStamp"/> (20 s) of its stamp or is not kept;
    /// the rest of the minute is for the commit itself and the nodes' clocks. Under <see cref="ShortestSettle"/> only in
    /// Development (tests that are not about it set zero).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan SnapshotSettle { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The least <see cref="SnapshotSettle"/> outside Development: the ledger's bound and ten seconds to spare.</summary>
    public static readonly TimeSpan ShortestSettle = Infrastructure.RowStamps.LatestCommitAfterStamp + TimeSpan.FromSeconds(10);
}
