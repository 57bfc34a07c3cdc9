using System.Text.Json.Serialization;

namespace Returns.Grader.Web.Data;

[JsonConverter(typeof(JsonStringEnumConverter<ExportStatus>))]
public enum ExportStatus
{
    [JsonStringEnumMemberName("queued")] Queued,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("failed")] Failed,
    /// <summary>Stopped by a person before it completed; its files are removed.</summary>
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

/// <summary>
/// A label export: a snapshot of confirmed grades written in the background as one immutable, versioned dataset
/// package (zip). After it is queued only the export worker changes it, and a cancel (ExportJobs.CancelAsync).
/// </summary>
public sealed class ExportJob
{
    public Guid Id { get; set; }
    /// <summary>The dataset's version: 1, 2, 3… in the order exports were asked for.</summary>
    public int Number { get; set; }
    public ExportStatus Status { get; set; }
    /// <summary>The filters as asked (JSON), so a package can be explained and repeated.</summary>
    public required string FilterJson { get; set; }
    public required string RequestedById { get; set; }
    public required string RequestedByName { get; set; }
    /// <summary>Also the snapshot time: decisions and photos after it are not in the package.</summary>
    public DateTime CreatedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    /// <summary>Runs started; a run cut short by a restart is started again from the beginning.</summary>
    public int Attempts { get; set; }
    public long ItemsTotal { get; set; }
    public long ItemsDone { get; set; }
    public long Images { get; set; }
    public long Annotations { get; set; }
    /// <summary>Photos of the package's items that were not in the photo store, left out and counted (set when completed).</summary>
    public long MissingPhotos { get; set; }
    /// <summary>The package's file name in the exports folder (set when completed).</summary>
    public string? FileName { get; set; }
    public string? Sha256 { get; set; }
    public long? ByteSize { get; set; }
    public string? Error { get; set; }
    /// <summary>The node running the export (several nodes share the queue; ExportWorker), and until when its claim holds.</summary>
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseExpiresAt { get; set; }
}
