using Returns.Grader.Web.Data;

namespace Returns.Grader.Web.Features.Decisions;

public sealed record ActorSummary(string Id, string Name, string Role);

public sealed record DamageSummary(Guid? PhotoId, DamageType Type, int[]? Box, RegionSource Source);

/// <summary>
/// A decision as pages and the API show it; GradePrefilled / DispositionPrefilled: saved as prefilled, not chosen.
/// PhotoWarnings: the warnings the item's photos carried when it was graded, in the words of a photo's "warnings" ("dark",
/// "small"), an empty list when none. It was one comma-joined string (null when none) beside the photo API's list, so a
/// client read the same warnings two ways (noticed 2026-12-05).
/// </summary>
public sealed record DecisionSummary(
    Guid Id, DecisionKind Kind, Grade Grade, Disposition Disposition, string? Notes, string RubricVersion, Grade RubricGrade,
    bool ContradictsRubric, string? ContradictionReason, bool FlaggedForReview, ActorSummary Actor, DateTime DecidedAt,
    Guid? Supersedes, IReadOnlyList<DamageSummary> Damage, string? ReasonCode = null, string? SuggestedByModel = null, Grade? SuggestedGrade = null,
    bool Blind = false, bool GradePrefilled = false, bool DispositionPrefilled = false, IReadOnlyList<string>? PhotoWarnings = null)
{
    public static DecisionSummary Of(GradeDecision d) => new(
        d.Id, d.Kind, d.Grade, d.Disposition, d.Notes, d.RubricVersion, d.RubricGrade, d.ContradictsRubric, d.ContradictionReason,
        d.FlaggedForReview, new ActorSummary(d.ActorId, d.ActorName, d.ActorRole), d.DecidedAt, d.SupersedesId,
        d.Damage.Select(r => new DamageSummary(r.PhotoId, r.Type, r.X is null ? null : [r.X.Value, r.Y!.Value, r.Width!.Value, r.Height!.Value], r.Source)).ToList(),
        d.ReasonCode, d.SuggestedByModel, d.SuggestedGrade, d.Blind, d.GradePrefilled, d.DispositionPrefilled,
        d.PhotoWarnings?.Split(',') ?? []);

    /// <summary>
    /// The decision's damage in words, as the histories show it: what counts, then what was said not to be damage (listed
    /// with the rest, a box marked "Not damage" read as damage the rubric had somehow ignored: exploratory pass,
    /// 2026-12-06). Empty when it has none.
    /// </summary>
    public string DamageInWords()
    {
        var counted = string.Join(", ", Damage.Where(d => d.Source != RegionSource.Deleted).Select(d => Components.Words.Of(d.Type)));
        var rejected = Damage.Where(d => d.Source == RegionSource.Deleted).Select(d => Components.Words.Of(d.Type)).ToList();
        return rejected.Count == 0 ? counted
            : $"{(counted.Length == 0 ? "None" : counted)}; not damage: {string.Join(", ", rejected)}";
    }

    /// <summary>Without the model's grade kept on it: what a person kept from a blind item's suggestion may see (ADR 0022).</summary>
    public DecisionSummary WithoutSuggestion() => this with { SuggestedByModel = null, SuggestedGrade = null };
}
