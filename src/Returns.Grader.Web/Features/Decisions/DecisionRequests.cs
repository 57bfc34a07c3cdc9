using Returns.Grader.Web.Data;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Decisions;

public sealed record DamageInput(Guid? PhotoId, string? Type, int[]? Box, string? Source);

/// <summary>
/// A grade as the station or an API client sends it. Strings, so that a wrong value gets a plain-words error.
/// GradePrefilled / DispositionPrefilled: the sender filled the field in (from the model's suggestion, the disposition
/// rules or the current grade) and the person left it untouched, so it is stored as prefilled, not as their choice.
/// </summary>
public sealed record GradeRequest(
    string? Grade,
    string? Disposition,
    IReadOnlyList<DamageInput>? Damage,
    string? Notes,
    string? ContradictionReason = null,
    bool? FlagForReview = null,
    Guid? ItemVersion = null,
    bool? GradePrefilled = null,
    bool? DispositionPrefilled = null);

public sealed class GradeValidationException(IDictionary<string, string[]> errors) : DomainProblemException("The grade is not valid.")
{
    public override int Status => StatusCodes.Status400BadRequest;
    public override string Title => "The grade is not valid";
    public override IDictionary<string, string[]> Errors { get; } = errors;
}

/// <summary>A request's fields that are not valid, when they are not a grade's (e.g. a bulk approval's task ids).</summary>
public sealed class RequestValidationException(IDictionary<string, string[]> errors) : DomainProblemException("The request is not valid.")
{
    public override int Status => StatusCodes.Status400BadRequest;
    public override string Title => "The request is not valid";
    public override IDictionary<string, string[]> Errors { get; } = errors;
}

/// <summary>
/// The item changed since it was opened, or at the same moment; nothing was saved. Titled by what happened, not by who:
/// the change may be the caller's own (another tab, a retry sent alongside) or a photo set aside (two-node pass, 2026-12-07).
/// </summary>
/// <param name="title">The problem's title where the refusal is not a change (a review already decided, a claim that
/// ended or was never made): those read "Changed meanwhile" too (review of the session's diff, 2026-12-07).</param>
public sealed class ConcurrencyConflictException(string message, string title = "Changed meanwhile") : DomainProblemException(message)
{
    public override int Status => StatusCodes.Status409Conflict;
    public override string Title => title;
}

/// <summary>
/// The item changed (a correction, a photo added, set aside or put back) after the supervisor claimed its task. "Claim
/// it again" alone left an API caller stuck: a renewal without a version keeps the version claimed (so a second tab cannot
/// bless an older view), and every decision was refused until the lease ran out (multi-node pass, 2026-12-07).
/// </summary>
public sealed class ItemRegradedSinceClaimException(string returnId)
    : DomainProblemException($"Item {returnId} changed after you claimed it (graded again, or a photo added, set aside or put back). " +
        "Read the item again and claim it with ?itemVersion= set to the version you read: a claim without a version keeps the version you first claimed, so a decision is never made on the older view.")
{
    public string ReturnId { get; } = returnId;
    public override int Status => StatusCodes.Status409Conflict;
    public override string Title => "Changed since the claim";
}

/// <summary>
/// A review task another supervisor holds the lease on. The API says when it ends in UTC; pages say it on the site's
/// clock (<see cref="Infrastructure.SiteTime"/>) from <see cref="Until"/>.
/// </summary>
public sealed class LeaseHeldException(string heldBy, DateTime until)
    : DomainProblemException($"{heldBy} is reviewing this item until {until:HH:mm} UTC.")
{
    public string HeldBy { get; } = heldBy;

    /// <summary>When the lease ends, UTC.</summary>
    public DateTime Until { get; } = until;

    public override int Status => StatusCodes.Status409Conflict;
    public override string Title => "Claimed by someone else";
}

/// <summary>
/// A claim made on a view of the item that is no longer its state: a grade or photo arrived after the page (or the bulk
/// approval) read it. The claim used to take the item as it was at the claim, so a decision on the page's older view
/// passed the ledger's "changed since the claim" check and undid a grader's correction (review of the review desk,
/// 2026-12-06).
/// </summary>
public sealed class ItemChangedSinceShownException(string returnId)
    : DomainProblemException($"Item {returnId} has changed since it was shown (a new grade or photo). Look at it again before claiming it.")
{
    public string ReturnId { get; } = returnId;
    public override int Status => StatusCodes.Status409Conflict;
    public override string Title => "Changed since it was shown";
}

/// <summary>
/// A supervisor claiming the review of a grade they gave themselves: the review is a second person's look (the bulk
/// approval already left such tasks out; one by one they could be claimed and approved, security pass, 2026-12-05).
/// </summary>
public sealed class OwnGradeReviewException(string returnId)
    : DomainProblemException($"You graded item {returnId} yourself: another supervisor or an admin reviews it.")
{
    /// <summary>The rule in words where the item is named beside it (a bulk approval's list of what it left).</summary>
    public const string Words = "You graded it yourself: another supervisor or an admin reviews it.";

    public override int Status => StatusCodes.Status403Forbidden;
    public override string Title => "A review is someone else's";
    public override IReadOnlyDictionary<string, object?> Extensions => new Dictionary<string, object?> { ["reason"] = "own_grade" };
}

/// <summary>A grade for an item whose label a supervisor has made final: no later grade at a station replaces it.</summary>
public sealed class ItemFinalException(string returnId)
    : DomainProblemException($"Item {returnId} has a supervisor's final grade, which a station grade cannot replace; ask a supervisor if it needs changing.")
{
    public override int Status => StatusCodes.Status409Conflict;
    public override string Title => "The grade is final";
    public override IReadOnlyDictionary<string, object?> Extensions => new Dictionary<string, object?> { ["reason"] = "item_final" };
}

public sealed class ItemNotFoundException(Guid id) : DomainProblemException($"There is no return item {id}.")
{
    public override int Status => StatusCodes.Status404NotFound;
    public override string Title => "No such return item";
}

/// <summary>
/// A supervisor's decision on a review task. DispositionPrefilled: the disposition was filled in (the site's rules for
/// the supervisor's grade, or the grader's own when the grader's was itself prefilled) and the supervisor left it
/// untouched, so the final label does not store it as chosen. An approval keeps the grader's disposition as it was stored.
/// </summary>
public sealed record ReviewDecisionRequest(
    string? Grade, string? Disposition, IReadOnlyList<DamageInput>? Damage, string? Notes, string? ReasonCode,
    bool? DispositionPrefilled = null)
{
    /// <summary>
    /// An approval nobody looked at (a bulk approval) of a grade the station prefilled and the grader left: the final label
    /// stays "prefilled", so exports and comparisons do not take the model's own answer for a person's (review of the
    /// review desk, 2026-12-06). Not on the wire: a supervisor deciding through the API or the page has looked.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool GradeLeftAsPrefilled { get; init; }

    /// <summary>The grade this decision stores, as the ledger builds every decision.</summary>
    internal GradeRequest AsGrade() => new(Grade, Disposition, Damage, Notes, GradePrefilled: GradeLeftAsPrefilled, DispositionPrefilled: DispositionPrefilled);

    /// <summary>
    /// Approving the grader's decision as it stands: their grade, disposition and damage, each region with the source they
    /// gave it (one they left as suggested stays the model's, ADR 0051; one they rejected stays rejected, as "not damage":
    /// it was left out, and the approval then read as the supervisor taking the grader's "not damage" back; exploratory
    /// pass, 2026-12-06), with reason code "approved". A rejected box on a photo that no longer counts
    /// (<paramref name="photoCounts"/> false) is left out: the grade does not count it, and a box there is refused.
    /// <paramref name="lookedAt"/> false: a bulk approval, which looks at no photo, so a grade the station prefilled stays prefilled.
    /// </summary>
    public static ReviewDecisionRequest ApprovalOf(DecisionSummary graded, string? notes = null, bool lookedAt = true, Func<Guid, bool>? photoCounts = null)
    {
        ArgumentNullException.ThrowIfNull(graded);
        return new(graded.Grade.ToString(), WireName<Disposition>.Of(graded.Disposition),
            [.. graded.Damage.Where(d => d.Source != RegionSource.Deleted || (d.PhotoId is { } photo && (photoCounts?.Invoke(photo) ?? true)))
                .Select(d => new DamageInput(d.PhotoId, WireName<DamageType>.Of(d.Type), d.Box, d.Source.Spelled()))],
            notes, "approved",
            // the grader's disposition as it was stored: one the rules filled in stays "filled in" through an approval
            // (a bulk approval looks at none, and Approve and an unchanged override stored it two ways; diff review)
            DispositionPrefilled: graded.DispositionPrefilled)
        {
            GradeLeftAsPrefilled = !lookedAt && graded.GradePrefilled,
        };
    }
}

/// <summary>Reason codes a supervisor gives with a decision.</summary>
public static class ReviewReasonCodes
{
    public static readonly IReadOnlyList<string> All =
        ["approved", "wrong_grade", "missed_damage", "false_damage", "wrong_disposition", "photo_quality", "other"];
}

public sealed class ReviewTaskNotFoundException(Guid id) : DomainProblemException($"There is no review task {id}.")
{
    public override int Status => StatusCodes.Status404NotFound;
    public override string Title => "No such review task";
}
