using System.Text.Json.Serialization;

namespace Returns.Grader.Web.Data;

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
    /// <summary>
    /// Not a figure: one row (scope All, day 0) whose A is the definition the counts were built under
    /// (<c>QualityCountRebuild.Definition</c>); a start that finds another rebuilds them.
    /// </summary>
    CountsDefinition = 99,
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
