using Returns.Grader.Web.Features.Models;

namespace Returns.Grader.Web.Features.Station;

/// <summary>What the station may do with a suggestion: prefill the form from it, or only show it.</summary>
public enum PrefillVerdict
{
    /// <summary>Grade and regions are prefilled (the associate can change anything).</summary>
    Prefill,
    /// <summary>The model has not seen photos like these: shown as information, nothing prefilled.</summary>
    Unfamiliar,
    /// <summary>The model is less sure than its manifest's prefill_min_confidence: shown as information, nothing prefilled.</summary>
    LowConfidence,
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

    /// <param name="minConfidence">The model's prefill_min_confidence; null: any confidence (unknown familiarity counts as familiar).</param>
    public static PrefillVerdict Decide(Suggestion suggestion, double? minConfidence)
    {
        ArgumentNullException.ThrowIfNull(suggestion);
        return suggestion.Familiar == false ? PrefillVerdict.Unfamiliar
            : minConfidence is { } minimum && suggestion.Confidence < minimum ? PrefillVerdict.LowConfidence
            : PrefillVerdict.Prefill;
    }

    /// <summary>What the station says when it does not prefill; null when it does.</summary>
    public static string? Notice(PrefillVerdict verdict) => verdict switch
    {
        PrefillVerdict.Unfamiliar => UnfamiliarText,
        PrefillVerdict.LowConfidence => LowConfidenceText,
        _ => null,
    };
}
