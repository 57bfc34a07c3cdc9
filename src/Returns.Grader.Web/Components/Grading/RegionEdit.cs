using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;
using Returns.Grader.Web.Features.Models;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Components.Grading;

/// <summary>
/// A damage region the model suggested, as the associate left it: left as suggested (model), accepted as is by a
/// person's A or restore (accepted), retyped or moved (edited), or deleted. What they did is stored with the decision.
/// </summary>
public sealed class RegionEdit
{
    private RegionEdit(Guid photoId, DamageType type, int[] box, double? score, bool drawnByAssociate, bool savedAsEdited = false, bool confirmed = false)
    {
        Confirmed = confirmed;
        _confirmedWhenOpened = confirmed;
        PhotoId = photoId;
        SuggestedType = type;
        Type = type;
        SuggestedBox = box;
        Box = box;
        Score = score;
        DrawnByAssociate = drawnByAssociate;
        _savedAsEdited = savedAsEdited;
    }

    /// <summary>Reopened from a decision where the associate had already moved or retyped it: edited, however it is left now.</summary>
    private readonly bool _savedAsEdited;

    private static long s_lastKey;

    /// <summary>
    /// Names this region on the page while the list around it changes: station.js reports a drag by it. By its place in
    /// the list, a drag that ended after a new suggestion withdrew or added regions moved another region's box.
    /// </summary>
    public long Key { get; } = Interlocked.Increment(ref s_lastKey);

    public Guid PhotoId { get; }
    public DamageType SuggestedType { get; }
    public DamageType Type { get; set; }
    public int[] SuggestedBox { get; }
    public int[] Box { get; set; }
    /// <summary>The model's score; null for a region the associate drew, and for one reopened from a saved decision.</summary>
    public double? Score { get; }
    public bool Deleted { get; set; }
    public bool DrawnByAssociate { get; }

    /// <summary>
    /// A person said this box is damage: A on it, or restoring it after "not damage". Untouched, the model's box is saved
    /// as the model's (<see cref="RegionSource.Model"/>), like a prefilled grade: Enter on a prefilled item stored every
    /// box as "accepted", the same as A, and exports gave them as checked by a person (exploratory pass, 2026-12-06).
    /// </summary>
    public bool Confirmed { get; set; }

    /// <summary>Confirmed by an earlier decision, not by the person at this form.</summary>
    private readonly bool _confirmedWhenOpened;

    /// <summary>Drawn in a saved grade, perhaps by someone else: "drawn by you" was said of a colleague's box when their
    /// grade was opened for a correction (regression pass, 2026-12-07).</summary>
    private bool _drawnBeforeThisForm;

    /// <summary>
    /// Where the region came from, in the associate's words, and that they kept it as damage here: A on the model's box
    /// changed what is saved (accepted, no longer the model's) and nothing on the page showed it (exploratory pass, 2026-12-06).
    /// </summary>
    public string Note => (GradersSource is { } graders ? Words.GradersRegion(graders)
        : DrawnByAssociate ? (_drawnBeforeThisForm ? "drawn, as saved" : "drawn by you") : Score is { } score ? $"score {score:0.00}" : "as saved")
        + (KeptAsDamageHere ? "; kept as damage by you" : "");

    /// <summary>The person at this form said the model's box is damage (A, or restoring it after "not damage").</summary>
    public bool KeptAsDamageHere => Confirmed && !_confirmedWhenOpened && !Deleted && !DrawnByAssociate;

    public RegionSource Source =>
        DrawnByAssociate ? RegionSource.Added
        : Deleted ? RegionSource.Deleted
        : _savedAsEdited || Type != SuggestedType || !Box.SequenceEqual(SuggestedBox) ? RegionSource.Edited
        : Confirmed ? RegionSource.Accepted
        : RegionSource.Model;

    public static RegionEdit? From(SuggestedDamage damage) =>
        damage.PhotoId is { } photoId && WireName<DamageType>.TryParse(damage.Type, out var type) && damage.Box.Length == 4
            ? new RegionEdit(photoId, type, damage.Box, damage.Score, drawnByAssociate: false)
            : null;

    /// <summary>What the grader did with this region, for a region a supervisor reviews; null elsewhere.</summary>
    public RegionSource? GradersSource { get; private init; }

    /// <summary>
    /// A boxed region of an earlier decision (the grader's), for a supervisor to keep, retype or reject. A box the grader
    /// rejected comes too, rejected, so the supervisor can restore it (it was left out, and a wrongly rejected box could
    /// only come back as a damage mark without its box).
    /// </summary>
    public static RegionEdit? FromDecision(DamageSummary damage) =>
        IsBoxed(damage)
            ? new RegionEdit(damage.PhotoId!.Value, damage.Type, damage.Box!, score: 1.0, drawnByAssociate: false,
                // the grader's judgement stands until the supervisor's; a box the grader rejected is not damage until restored
                confirmed: damage.Source is not (RegionSource.Model or RegionSource.Deleted))
            {
                Deleted = damage.Source == RegionSource.Deleted,
                GradersSource = damage.Source,
            }
            : null;

    /// <summary>
    /// A boxed region of the item's current decision, reopened at the station for a correction. It stays what it was
    /// saved as until the associate changes it: a box they drew stays theirs (added), a suggestion they accepted stays
    /// accepted and one left as suggested stays the model's until moved or retyped (or, for the model's, accepted), an edited one stays edited, a rejected one stays rejected (and can be restored).
    /// </summary>
    public static RegionEdit? FromSaved(DamageSummary damage) =>
        IsBoxed(damage)
            ? new RegionEdit(damage.PhotoId!.Value, damage.Type, damage.Box!, score: null,
                drawnByAssociate: damage.Source == RegionSource.Added, savedAsEdited: damage.Source == RegionSource.Edited,
                confirmed: damage.Source == RegionSource.Accepted)
            {
                Deleted = damage.Source == RegionSource.Deleted,
                _drawnBeforeThisForm = damage.Source == RegionSource.Added,
            }
            : null;

    /// <summary>The damage a form holds, as the rubric counts it: its boxes not rejected, and the marks (ADR 0036).</summary>
    public static IReadOnlyList<DamageType> CountedDamage(IEnumerable<RegionEdit> regions, IEnumerable<DamageType> marks) =>
        Features.Grading.Rubric.Counted(regions.Where(r => !r.Deleted).Select(r => (r.PhotoId, r.Type)), marks);

    /// <summary>Damage drawn on a photo (a box); the rest was marked by type only.</summary>
    public static bool IsBoxed(DamageSummary damage) => damage.PhotoId is not null && damage.Box is { Length: 4 };

    /// <summary>A region the associate drew on a photo.</summary>
    public static RegionEdit Drawn(Guid photoId, DamageType type, int[] box) => new(photoId, type, box, score: null, drawnByAssociate: true);

    public DamageInput ToInput() => new(PhotoId, WireName<DamageType>.Of(Type), Box, Source.Spelled());

    /// <summary>Colour per damage type, the same on the photo overlay and in the list.</summary>
    public static string Colour(DamageType type) => type switch
    {
        DamageType.Scratch => "#1e88e5",
        DamageType.Stain => "#8e24aa",
        DamageType.Dent => "#fb8c00",
        DamageType.Tear => "#e53935",
        DamageType.Crack => "#d81b60",
        DamageType.MissingPart => "#212121",
        _ => "#757575",
    };
}
