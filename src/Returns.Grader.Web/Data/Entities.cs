using System.Text.Json.Serialization;

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
    Model,
    Accepted,
    Edited,
    Deleted,
    Added,
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
    public required string UploadedBy { get; set; }
    public DateTime UploadedAt { get; set; }

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

/// <summary>Which slice of the decisions a <see cref="QualityDailyCount"/> counts: all of them, or one category, associate or model.</summary>
public enum QualityScope
{
    All = 0,
    Category = 1,
    Associate = 2,
    Model = 3,
}

/// <summary>What a <see cref="QualityDailyCount"/> counts; A and B say which cell (see each member).</summary>
public enum QualityFigure
{
    /// <summary>Reviewed pairs: A = the grader's grade, B = the final grade; Sum = unit value.</summary>
    GraderVsFinal = 0,
    /// <summary>Reviewed pairs with a suggestion: A = the suggested grade, B = the final grade; Sum = unit value.</summary>
    ModelVsFinal = 1,
    /// <summary>Station decisions with a suggestion: A = the grade given, B = the suggested grade; Sum = unit value.</summary>
    GraderVsModel = 2,
    /// <summary>Station decisions (corrections included), A = B = 0.</summary>
    StationDecisions = 3,
    /// <summary>The model's predictions on reviewed photos: A = confidence bin (0–10), Count, Sum = confidence.</summary>
    Calibration = 4,
    /// <summary>Of those, the ones whose grade equals the final grade: A = confidence bin.</summary>
    CalibrationCorrect = 5,
    /// <summary>Reviewed pairs whose grader marked damage type A.</summary>
    DamageGrader = 6,
    /// <summary>Reviewed pairs whose supervisor marked damage type A.</summary>
    DamageFinal = 7,
    /// <summary>Reviewed pairs where both marked damage type A.</summary>
    DamageBoth = 8,
    /// <summary>Review tasks opened with reason A (<see cref="ReviewReason"/>).</summary>
    ReviewTasks = 9,
    /// <summary>Station decisions where a suggestion was shown (not blind).</summary>
    SuggestionShown = 10,
    /// <summary>Of those, the ones that kept the suggested grade unchanged.</summary>
    SuggestionKept = 11,
    /// <summary>Station decisions graded blind (a suggestion existed but was hidden).</summary>
    SuggestionBlind = 12,
    /// <summary>Of those, the ones whose grade equals the hidden suggestion.</summary>
    SuggestionBlindAgreed = 13,
}

/// <summary>
/// A pre-aggregated count for the quality dashboard: per UTC day, per slice, per figure and cell. Kept in the same
/// transaction as the decision that changes it, so the dashboard reads a month as a few thousand rows (ADR 0008).
/// </summary>
public sealed class QualityDailyCount
{
    public QualityScope Scope { get; set; }
    /// <summary>The category, associate id or model version of the slice; empty for <see cref="QualityScope.All"/>.</summary>
    public required string ScopeValue { get; set; }
    /// <summary><see cref="DateOnly.DayNumber"/> of the UTC day.</summary>
    public int Day { get; set; }
    public QualityFigure Figure { get; set; }
    public int A { get; set; }
    public int B { get; set; }
    public long Count { get; set; }
    public double Sum { get; set; }
}

/// <summary>Station decisions per associate and UTC hour, by category and suggesting model (the throughput chart, ADR 0008).</summary>
public sealed class QualityHourlyCount
{
    /// <summary>Hours since 0001-01-01 UTC (<see cref="DateOnly.DayNumber"/> × 24 + hour).</summary>
    public int Hour { get; set; }
    public required string ActorId { get; set; }
    public required string ActorName { get; set; }
    public required string Category { get; set; }
    /// <summary>The suggesting model's version; empty when none was on screen.</summary>
    public required string ModelVersion { get; set; }
    public long Count { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<ExportStatus>))]
public enum ExportStatus
{
    [JsonStringEnumMemberName("queued")] Queued,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>
/// A label export: a snapshot of confirmed grades written in the background as one immutable, versioned dataset
/// package (zip). Only the export worker changes it after it is queued.
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
    /// <summary>The package's file name in the exports folder (set when completed).</summary>
    public string? FileName { get; set; }
    public string? Sha256 { get; set; }
    public long? ByteSize { get; set; }
    public string? Error { get; set; }
    /// <summary>The node running the export (several nodes share the queue; ExportWorker), and until when its claim holds.</summary>
    public string? LeaseOwner { get; set; }
    public DateTime? LeaseExpiresAt { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<ModelState>))]
public enum ModelState
{
    /// <summary>Runs on every new photo beside the active model; its predictions are stored, never shown.</summary>
    [JsonStringEnumMemberName("shadow")] Shadow,
    /// <summary>Its suggestions are what graders see. One at a time.</summary>
    [JsonStringEnumMemberName("active")] Active,
    /// <summary>Kept, not run; can be made shadow or active again (a rollback).</summary>
    [JsonStringEnumMemberName("retired")] Retired,
}

/// <summary>A model the registry knows: its files live in the models folder under <see cref="Folder"/>.</summary>
public sealed class RegisteredModel
{
    public Guid Id { get; set; }
    /// <summary><c>name@version</c>, as stamped on predictions; unique.</summary>
    public required string ModelVersion { get; set; }
    public ModelState State { get; set; }
    /// <summary>Folder name under the models folder (model.onnx, model.json, MODEL_CARD.md).</summary>
    public required string Folder { get; set; }
    public required string Sha256 { get; set; }
    public long ByteSize { get; set; }
    /// <summary>The manifest's metrics and training summary as uploaded (JSON), for people comparing models.</summary>
    public string? ManifestSummaryJson { get; set; }
    /// <summary>What the upload check measured: the sample photo's suggestion and the latency.</summary>
    public string? ValidationJson { get; set; }
    public required string RegisteredBy { get; set; }
    public DateTime RegisteredAt { get; set; }
    /// <summary>When it last became active (rollback picks the model active before the current one).</summary>
    public DateTime? ActivatedAt { get; set; }
    public DateTime? StateChangedAt { get; set; }
}

/// <summary>
/// One file of a registered model (model.onnx, model.json, MODEL_CARD.md), kept in the database so that every node
/// sharing it can load a model registered on another (issue 18): a node without the folder writes it from here.
/// </summary>
public sealed class RegisteredModelFile
{
    public Guid Id { get; set; }
    public Guid RegisteredModelId { get; set; }
    public required string FileName { get; set; }
    public required byte[] Content { get; set; }
}
