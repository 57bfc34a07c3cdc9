namespace Returns.Grader.Web.Features.Models;

/// <summary>What the station may do with a suggestion: prefill the form from it, or only show it.</summary>
public enum PrefillVerdict
{
    /// <summary>Grade and regions are prefilled (the associate can change anything).</summary>
    Prefill,
    /// <summary>The model has not seen photos like these: shown as information, nothing prefilled.</summary>
    Unfamiliar,
    /// <summary>The model is less sure than its manifest's prefill_min_confidence: shown as information, nothing prefilled.</summary>
    LowConfidence,
    /// <summary>A photo of the item carries a quality warning (dark, blurred, washed out, item too small): the suggestion
    /// from it is a guess, nothing prefilled.</summary>
    PhotoQuality,
    /// <summary>The suggestion's model is not the active one (rolled back, replaced, or manual mode): nothing prefilled.</summary>
    NotActive,
    /// <summary>The suggestion's model has not seen every photo of the item (kept under an earlier model): nothing prefilled.</summary>
    Partial,
}

/// <summary>
/// The station prefills only what the model is familiar with and confident about (ADR 0017): a suggestion for photos
/// unlike the model's training photos, or below the model's own prefill confidence, would put a label in front of the
/// associate that is more likely wrong than right, and a preselected label is too easily kept.
/// </summary>
public static class PrefillPolicy
{
    public const string UnfamiliarText = "The model has not seen photos like this — grade it yourself.";
    public const string LowConfidenceText = "The model is not sure about this one — grade it yourself.";
    public const string PartialText = "The model has not seen every photo — grade it yourself.";
    public const string PhotoQualityText = "A photo is too poor to judge — retake it or grade it yourself.";
    public const string NotActiveText = "This suggestion is from a model no longer in use — grade it yourself.";

    /// <param name="minConfidence">The model's prefill_min_confidence; null: any confidence (unknown familiarity counts as familiar).</param>
    /// <param name="photoWarned">Whether any of the item's photos carries a quality warning: the model was as sure of a
    /// blank white photo ("Like new", 96 %, familiar) as of a good one, and one Enter saved that (photo pass, 2026-12-05).</param>
    /// <param name="fromActiveModel">Whether the suggestion's model is the active one: a suggestion stored under a model
    /// since rolled back (or with none active, manual mode) prefilled as if it were current, under "Manual mode: no grade
    /// suggestions" too (review of the station, 2026-12-06).</param>
    public static PrefillVerdict Decide(Suggestion suggestion, double? minConfidence, bool photoWarned = false, bool fromActiveModel = true)
    {
        ArgumentNullException.ThrowIfNull(suggestion);
        return !fromActiveModel ? PrefillVerdict.NotActive
            : suggestion.Familiar == false ? PrefillVerdict.Unfamiliar
            : photoWarned ? PrefillVerdict.PhotoQuality
            : suggestion.UnseenPhotos > 0 ? PrefillVerdict.Partial
            : minConfidence is { } minimum && suggestion.Confidence < minimum ? PrefillVerdict.LowConfidence
            : PrefillVerdict.Prefill;
    }

    /// <summary>Whether the suggestion is only a guess, shown without a confidence figure or a mark on a grade: the model
    /// has not seen photos like these, a photo is too poor to judge, or the model has not seen every photo.</summary>
    public static bool IsGuess(PrefillVerdict? verdict) =>
        verdict is PrefillVerdict.Unfamiliar or PrefillVerdict.PhotoQuality or PrefillVerdict.Partial or PrefillVerdict.NotActive;

    /// <summary>What the station says when it does not prefill; null when it does.</summary>
    public static string? Notice(PrefillVerdict verdict) => verdict switch
    {
        PrefillVerdict.Unfamiliar => UnfamiliarText,
        PrefillVerdict.LowConfidence => LowConfidenceText,
        PrefillVerdict.PhotoQuality => PhotoQualityText,
        PrefillVerdict.Partial => PartialText,
        PrefillVerdict.NotActive => NotActiveText,
        _ => null,
    };
}
