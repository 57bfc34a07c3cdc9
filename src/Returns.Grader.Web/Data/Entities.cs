using System.Text.Json.Serialization;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Data;

/// <summary>Condition grades, best to worst. The numeric order matters: distance between grades is "how many grades apart".</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Grade>))]
public enum Grade
{
    LikeNew = 0,
    VeryGood = 1,
    Good = 2,
    Acceptable = 3,
    Unsellable = 4,
}

/// <summary>Damage types; on the wire (API, rubric, exports) they are snake_case.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DamageType>))]
public enum DamageType
{
    [JsonStringEnumMemberName("scratch")] Scratch,
    [JsonStringEnumMemberName("stain")] Stain,
    [JsonStringEnumMemberName("dent")] Dent,
    [JsonStringEnumMemberName("tear")] Tear,
    [JsonStringEnumMemberName("crack")] Crack,
    [JsonStringEnumMemberName("missing_part")] MissingPart,
}

/// <summary>The item's next life; on the wire they are snake_case.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Disposition>))]
public enum Disposition
{
    [JsonStringEnumMemberName("restock")] Restock,
    [JsonStringEnumMemberName("resell_used")] ResellUsed,
    [JsonStringEnumMemberName("refurbish")] Refurbish,
    [JsonStringEnumMemberName("liquidate")] Liquidate,
    [JsonStringEnumMemberName("donate")] Donate,
    [JsonStringEnumMemberName("recycle")] Recycle,
    [JsonStringEnumMemberName("return_to_vendor")] ReturnToVendor,
}

[JsonConverter(typeof(JsonStringEnumConverter<ItemStatus>))]
public enum ItemStatus
{
    /// <summary>Announced or created, not graded yet.</summary>
    Received,
    /// <summary>Graded at a station.</summary>
    Graded,
    /// <summary>Waiting for a supervisor.</summary>
    InReview,
    /// <summary>A supervisor's decision is the final label.</summary>
    Final,
}

/// <summary>How a damage region came to be: drawn by the model, or by a person (and what they did to the model's).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RegionSource>))]
public enum RegionSource
{
    [JsonStringEnumMemberName("model")] Model,
    [JsonStringEnumMemberName("accepted")] Accepted,
    [JsonStringEnumMemberName("edited")] Edited,
    [JsonStringEnumMemberName("deleted")] Deleted,
    [JsonStringEnumMemberName("added")] Added,
}

public static class RegionSourceSpelling
{
    /// <summary>
    /// The source as grade requests, the API's answers, the station's and review page's markup and the exports spell
    /// it: lower case (model, accepted, edited, deleted, added). The API's answers said "Model", "Deleted" where its
    /// requests and its documentation say "model", "deleted" (exploratory pass, 2026-12-06).
    /// </summary>
    public static string Spelled(this RegionSource source) => WireName<RegionSource>.Of(source);
}

/// <summary>Why a photo was set aside; on the wire snake_case.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PhotoSetAsideReason>))]
public enum PhotoSetAsideReason
{
    /// <summary>It shows another item (a photo taken with the wrong plate open).</summary>
    [JsonStringEnumMemberName("wrong_item")] WrongItem,
    /// <summary>It shows nothing that can be graded (a finger, the floor, a black frame).</summary>
    [JsonStringEnumMemberName("unusable")] Unusable,
}

[JsonConverter(typeof(JsonStringEnumConverter<DecisionKind>))]
public enum DecisionKind
{
    Station,
    Correction,
    Review,
}

/// <summary>A row that people change, guarded by an app-managed token (SQLite has no rowversion).</summary>
public interface IVersioned
{
    Guid Version { get; set; }
}

public sealed class ReturnItem : IVersioned
{
    public Guid Id { get; set; }
    /// <summary>The licence-plate number on the returned item: what the scanner reads.</summary>
    public required string ReturnId { get; set; }
    public required string Sku { get; set; }
    public required string Title { get; set; }
    public required string Category { get; set; }
    public decimal UnitValue { get; set; }
    public ItemStatus Status { get; set; }
    public DateTime CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
    public DateTime UpdatedAt { get; set; }
    public Guid? CurrentDecisionId { get; set; }
    public Guid Version { get; set; }

    public List<Photo> Photos { get; } = [];
    public List<GradeDecision> Decisions { get; } = [];
}

public sealed class Photo
{
    public Guid Id { get; set; }
    public Guid ReturnItemId { get; set; }
    public ReturnItem? ReturnItem { get; set; }
    /// <summary>Generated name in the photo store; never derived from what the uploader called the file.</summary>
    public required string StorageKey { get; set; }
    public required string ContentType { get; set; }
    public int Width { get; set; }
    public int Height { get; set; }
    public long ByteSize { get; set; }
    public required string Sha256 { get; set; }
    /// <summary>The uploader's file name, kept for people only (trimmed, never used as a path).</summary>
    public string? OriginalFileName { get; set; }
    public required string SourceFormat { get; set; }
    public int SourceWidth { get; set; }
    public int SourceHeight { get; set; }
    /// <summary>What intake's quality check found (comma-separated, e.g. "dark"; Vision.PhotoQuality), null when nothing.</summary>
    public string? QualityWarnings { get; set; }
    public required string UploadedBy { get; set; }
    public DateTime UploadedAt { get; set; }
    /// <summary>
    /// When a person set the photo aside (a photo of another item, or of nothing): it stays stored and in the audit, but
    /// no longer counts for the item: not in its suggestion, not under its label in exports or model comparisons, not
    /// where new boxes may be drawn (ADR 0052). Null while it counts; putting it back clears it.
    /// </summary>
    public DateTime? SetAsideAt { get; set; }
    public PhotoSetAsideReason? SetAsideReason { get; set; }
    public string? SetAsideById { get; set; }
    public string? SetAsideByName { get; set; }
    /// <summary>
    /// When the photo was last put back after being set aside; null when never put back. Bulk approval and the replay
    /// check treat a grade given before it like one given before a photo was kept (a person looks again); exports keep
    /// the photo under its labels as before (a put-back is mostly the undo of a mistake: ADR 0052).
    /// </summary>
    public DateTime? CountedSince { get; set; }

    public List<Prediction> Predictions { get; } = [];
}

/// <summary>What a model said about one photo. Written by the vision pipeline; never edited.</summary>
public sealed class Prediction
{
    public Guid Id { get; set; }
    public Guid PhotoId { get; set; }
    public Photo? Photo { get; set; }
    public required string ModelVersion { get; set; }
    /// <summary>Whether graders saw it (active model) or it was recorded silently (shadow model).</summary>
    public bool IsShadow { get; set; }
    public Grade Grade { get; set; }
    public double Confidence { get; set; }
    /// <summary>Calibrated probability per grade, JSON object keyed by grade name.</summary>
    public required string ProbabilitiesJson { get; set; }
    /// <summary>Suggested regions, JSON array of { type, score, box }.</summary>
    public required string RegionsJson { get; set; }
    /// <summary>How like the model's training photos this photo looks (higher = more); null when the model cannot tell.</summary>
    public double? FamiliarityScore { get; set; }
    /// <summary>The score at or above the model's own threshold (its manifest's); null when the model cannot tell.</summary>
    public bool? Familiar { get; set; }
    /// <summary>
    /// The share of the photo the model's item box covers (its manifest's <c>item_size</c>); null when the model cannot
    /// tell. Kept so that a rule judged per item (two photos under the line) can count the item's earlier photos.
    /// </summary>
    public double? ItemShare { get; set; }
    public double LatencyMs { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>
/// One person's verdict on an item. Append-only: a correction is a new decision that points at the one it supersedes.
/// </summary>
public sealed class GradeDecision
{
    public Guid Id { get; set; }
    public Guid ReturnItemId { get; set; }
    public ReturnItem? ReturnItem { get; set; }
    public DecisionKind Kind { get; set; }
    public Grade Grade { get; set; }
    /// <summary>
    /// The station filled the grade in (from the model's suggestion, or the current grade when correcting) and the person
    /// saved it without touching it: not their choice. False when they picked it, and for API and review decisions
    /// unless the sender says otherwise.
    /// </summary>
    public bool GradePrefilled { get; set; }
    public Disposition Disposition { get; set; }
    /// <summary>Likewise for the disposition (suggested by the rules from grade and category, or the current one).</summary>
    public bool DispositionPrefilled { get; set; }
    public string? Notes { get; set; }
    public required string RubricVersion { get; set; }
    /// <summary>The grade the rubric gives for the marked damage, stored so later rubric versions do not rewrite history.</summary>
    public Grade RubricGrade { get; set; }
    public bool ContradictsRubric { get; set; }
    public string? ContradictionReason { get; set; }
    /// <summary>The associate asked for a supervisor to look at it.</summary>
    public bool FlaggedForReview { get; set; }
    /// <summary>A supervisor's reason code for approving or overriding (review decisions only).</summary>
    public string? ReasonCode { get; set; }
    public required string ActorId { get; set; }
    public required string ActorName { get; set; }
    public required string ActorRole { get; set; }
    public DateTime DecidedAt { get; set; }
    public Guid? SupersedesId { get; set; }
    /// <summary>Graded blind: the station showed no suggestion (the suggestion fields still say what the model thought).</summary>
    public bool Blind { get; set; }
    /// <summary>The photo-quality warnings the item's photos carried when the grade was given (comma-separated, e.g.
    /// "dark"): the station shows them, so a grade given despite a warning says so. Null when there were none.</summary>
    public string? PhotoWarnings { get; set; }
    /// <summary>The model version whose suggestion was on screen, if any.</summary>
    public string? SuggestedByModel { get; set; }
    public Grade? SuggestedGrade { get; set; }

    public List<DamageRegion> Damage { get; } = [];
}

/// <summary>One piece of damage named by a decision: on a photo with a box (stored photo pixels), or only its type.</summary>
public sealed class DamageRegion
{
    public Guid Id { get; set; }
    public Guid DecisionId { get; set; }
    public GradeDecision? Decision { get; set; }
    public Guid? PhotoId { get; set; }
    public DamageType Type { get; set; }
    public int? X { get; set; }
    public int? Y { get; set; }
    public int? Width { get; set; }
    public int? Height { get; set; }
    public RegionSource Source { get; set; }
    /// <summary>The model's score where the region started as a suggestion.</summary>
    public double? ModelScore { get; set; }
}

public sealed class AuditEvent
{
    public long Id { get; set; }
    public DateTime At { get; set; }
    public required string ActorId { get; set; }
    public required string ActorName { get; set; }
    public required string Action { get; set; }
    public required string EntityType { get; set; }
    public required string EntityId { get; set; }
    public string? DataJson { get; set; }
}
