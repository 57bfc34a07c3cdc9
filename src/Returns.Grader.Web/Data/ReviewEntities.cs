using System.Text.Json.Serialization;

namespace Returns.Grader.Web.Data;

/// <summary>Why an item goes to a supervisor. Stored on its review task; several can hold at once.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReviewReason>))]
public enum ReviewReason
{
    LowConfidence,
    SmallMargin,
    DisagreesWithModel,
    ContradictsRubric,
    HighValue,
    Flagged,
    AuditSample,
    /// <summary>The model has not seen photos like this item's (off unless Grader:Review:RouteUnfamiliar).</summary>
    Unfamiliar,
}

[JsonConverter(typeof(JsonStringEnumConverter<ReviewStatus>))]
public enum ReviewStatus
{
    Open,
    Decided,
}

/// <summary>
/// A supervisor's to-do: one per item under review. Claiming leases it for a while so two supervisors never work the
/// same item; the lease expires by itself. Mutable, so it carries a concurrency token.
/// </summary>
public sealed class ReviewTask : IVersioned
{
    public Guid Id { get; set; }
    public Guid ReturnItemId { get; set; }
    public ReturnItem? ReturnItem { get; set; }
    /// <summary>The decision that sent the item here.</summary>
    public Guid TriggerDecisionId { get; set; }
    /// <summary>Reasons as a comma list of <see cref="ReviewReason"/> names (kept in one column: filtered with LIKE, never joined).</summary>
    public required string Reasons { get; set; }
    public double Priority { get; set; }
    public ReviewStatus Status { get; set; }
    public DateTime CreatedAt { get; set; }
    public string? ClaimedById { get; set; }
    public string? ClaimedByName { get; set; }
    public DateTime? LeaseExpiresAt { get; set; }
    /// <summary>The item's version when the task was claimed: a decision on an item changed since is refused.</summary>
    public Guid? ClaimedItemVersion { get; set; }
    public DateTime? DecidedAt { get; set; }
    public Guid? ResolutionDecisionId { get; set; }
    /// <summary>Copied from the item and trigger decision so the queue filters without joins.</summary>
    public required string Category { get; set; }
    public required string GradedById { get; set; }
    public Guid Version { get; set; }

    public IReadOnlyList<ReviewReason> ReasonList =>
        Reasons.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Enum.Parse<ReviewReason>).ToList();
}
