using System.Buffers.Binary;
using System.Security.Cryptography;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Models;

namespace Returns.Grader.Web.Features.Decisions;

/// <summary>Decides whether a station decision goes to a supervisor, and why. Pure: same inputs, same reasons.</summary>
public static class ReviewRouter
{
    public static IReadOnlyList<ReviewReason> Reasons(GradeDecision decision, decimal unitValue, Suggestion? suggestion, ReviewOptions options)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(options);
        var reasons = new List<ReviewReason>();
        if (suggestion is not null)
        {
            if (suggestion.Confidence < options.LowConfidenceThreshold)
            {
                reasons.Add(ReviewReason.LowConfidence);
            }
            if (options.RouteUnfamiliar && suggestion.Familiar == false)
            {
                reasons.Add(ReviewReason.Unfamiliar);
            }
            var top = suggestion.Probabilities.Values.OrderByDescending(p => p).Take(2).ToArray();
            if (top.Length == 2 && top[0] - top[1] < options.SmallMarginThreshold)
            {
                reasons.Add(ReviewReason.SmallMargin);
            }
            if (Math.Abs((int)decision.Grade - (int)suggestion.Grade) >= options.DisagreementGrades)
            {
                reasons.Add(ReviewReason.DisagreesWithModel);
            }
        }
        if (decision.ContradictsRubric)
        {
            reasons.Add(ReviewReason.ContradictsRubric);
        }
        if (unitValue >= options.HighValueThreshold)
        {
            reasons.Add(ReviewReason.HighValue);
        }
        if (decision.FlaggedForReview)
        {
            reasons.Add(ReviewReason.Flagged);
        }
        if (IsAuditSample(decision.ReturnItemId, options.AuditShare))
        {
            reasons.Add(ReviewReason.AuditSample);
        }
        return reasons;
    }

    /// <summary>
    /// A random draw that can be replayed: the item's id (random itself) decides, so every associate's items are
    /// sampled at the same share, and a test or an auditor gets the same answer every time. Drawn per item, not per
    /// decision: each correction drew again, so an item corrected four times was audited at four times the share
    /// (review of the review desk, 2026-12-06).
    /// </summary>
    public static bool IsAuditSample(Guid itemId, double share) => Draw(itemId, "audit") < share;

    /// <summary>Whether the station grades this item blind (no suggestion shown); fixed per item, so a reload shows the same.</summary>
    public static bool IsBlind(Guid itemId, double share) => Draw(itemId, "blind") < share;

    /// <summary>A uniform number in [0, 1) from an id and a purpose, so the audit and blind draws are independent.</summary>
    private static double Draw(Guid id, string purpose)
    {
        Span<byte> input = stackalloc byte[16 + 8];
        id.TryWriteBytes(input);
        System.Text.Encoding.ASCII.GetBytes(purpose.AsSpan(0, Math.Min(8, purpose.Length)), input[16..]);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        return BinaryPrimitives.ReadUInt32LittleEndian(hash) / ((double)uint.MaxValue + 1);
    }

    /// <summary>Higher first: what is costly to get wrong comes before what is merely checked.</summary>
    public static double Priority(IReadOnlyList<ReviewReason> reasons, decimal unitValue)
    {
        ArgumentNullException.ThrowIfNull(reasons);
        var weight = reasons.Sum(reason => reason switch
        {
            ReviewReason.Flagged => 3.0,
            ReviewReason.DisagreesWithModel => 2.5,
            ReviewReason.ContradictsRubric => 2.0,
            ReviewReason.HighValue => 2.0,
            ReviewReason.LowConfidence => 1.0,
            ReviewReason.Unfamiliar => 1.0,
            ReviewReason.SmallMargin => 1.0,
            ReviewReason.AuditSample => 0.5,
            _ => 0.0,
        });
        return Math.Round(weight + Math.Log10(1 + (double)unitValue), 3);
    }
}
