using System.Text.Json;
using Microsoft.JSInterop;
using MudBlazor;
using Returns.Grader.Web.Components;
using Returns.Grader.Web.Components.Grading;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;
using Returns.Grader.Web.Features.Items;

namespace Returns.Grader.Web.Features.Station;

/// <summary>
/// What the associate chose on an open item and has not saved: kept in the tab's session storage. BasedOn: the item's
/// current decision when the associate started (null: none), to tell on a reload whether someone saved since.
/// </summary>
public sealed record StationDraft(
    Guid ItemId,
    string ReturnId,
    Grade? Grade,
    Disposition? Disposition,
    IReadOnlyList<DamageType> Damage,
    string? Notes,
    string? ContradictionReason,
    bool FlagForReview,
    IReadOnlyList<RegionDraft> Regions,
    Guid? BasedOn = null,
    IReadOnlyList<RegionDraft>? SetAsideRegions = null);

/// <summary>A region the associate changed (retyped, moved, rejected) or drew; regions left as suggested are not kept.</summary>
public sealed record RegionDraft(Guid PhotoId, DamageType SuggestedType, int[] SuggestedBox, DamageType Type, int[] Box, bool Deleted, bool Drawn, bool Confirmed = false);

/// <summary>
/// Unsaved work survives (issue 17): the form of the open item is written to the browser tab's session storage whenever
/// it differs from how the item opened, a reload or a later scan of the same plate brings it back, and leaving an item
/// with unsaved choices (another scan, "Next item", reload, sign-out) asks first.
/// </summary>
public sealed partial class Station
{
    /// <summary>The form as it was when the item opened: the form differs from it = unsaved choices.</summary>
    private string? _openedAs;

    /// <summary>The item's current decision when it opened (null: it had none). Still current, and the form unchanged:
    /// there is nothing to save.</summary>
    private Guid? _openedOnDecision;

    /// <summary>What was last written to session storage (null: nothing unsaved).</summary>
    private string? _storedDraft;

    /// <summary>Another scan or "Next item" waits for the associate to say the unsaved choices may go.</summary>
    private PendingLeave? _pendingLeave;

    /// <param name="Unsaved">The form has choices not saved.</param>
    /// <param name="Uploading">A photo is still on its way: it lands on this item, and its answer (a refusal too) would
    /// be shown to nobody once the station has moved on (photo pass, 2026-12-05).</param>
    private sealed record PendingLeave(string? NextPlate, bool Unsaved = true, bool Uploading = false);

    private bool UploadsInFlight => _uploads.Any(u => !u.Done && u.Error is null);

    /// <summary>
    /// The form has choices not saved. Never on an item a supervisor made final: nothing there can be saved at the
    /// station, and the choices came back after a reload and were asked about at every next item as "unsaved choices"
    /// that no button could save (exploratory pass, 2026-12-06).
    /// </summary>
    private bool HasUnsavedChoices => FormCanBeSaved && DraftJson() != _openedAs;

    /// <summary>An item is open whose form can be saved here (opened, and not made final): only then are its choices unsaved work.</summary>
    private bool FormCanBeSaved => _item is { Status: not ItemStatus.Final } && _openedAs is not null;

    private string DraftOwner => _actorId ?? "unknown";

    private string? DraftJson() => _item is null ? null : JsonSerializer.Serialize(new StationDraft(
        _item.Id, _item.ReturnId,
        _grade.Chosen ? _grade.Value : null,
        _disposition.Chosen ? _disposition.Value : null,
        _damage, string.IsNullOrWhiteSpace(_notes) ? null : _notes, string.IsNullOrWhiteSpace(_contradictionReason) ? null : _contradictionReason,
        _flagForReview,
        // every box but one left as suggested: A on a box is a change (it was not, and its Enter saved nothing; review)
        [.. _regions.Where(r => r.Source != RegionSource.Model).Select(ToDraft)],
        _openedOnDecision,
        // the boxes kept aside with set-aside photos, so that a reload does not lose what "Put back" would bring back
        SetAsideBoxDrafts() is { Count: > 0 } aside ? aside : null));

    private static RegionDraft ToDraft(RegionEdit r) =>
        new(r.PhotoId, r.SuggestedType, r.SuggestedBox, r.Type, r.Box, r.Deleted, r.DrawnByAssociate, r.Confirmed);

    /// <summary>After the item opened and its prefills are in: this is "nothing changed"; a stored draft for it comes back.</summary>
    private async Task RememberOpenedFormAsync()
    {
        _openedOnDecision = _item?.CurrentDecisionId;
        _openedAs = DraftJson();
        if (_module is null || _item is null)
        {
            return;
        }
        if (await LoadDraftAsync() is not { } draft || draft.ItemId != _item.Id)
        {
            return;
        }
        if (_item.Status == ItemStatus.Final)
        {
            // Made final after the associate started: the station cannot save over it, so the choices are not brought back.
            await _module.InvokeVoidAsync("saveDraft", DraftOwner, null);
            _message = new StationMessage(Severity.Warning,
                $"{draft.ReturnId} has a supervisor's final grade since you started: your unsaved choices cannot be saved here and were dropped. Ask a supervisor if it needs changing.");
            return;
        }
        if (draft.BasedOn != _item.CurrentDecisionId && CurrentDecision is { } since)
        {
            // Someone saved the item after the associate started: a reload must not turn that into a silent overwrite.
            if (since.Actor.Id == _actorId && DraftIsSaved(draft, since))
            {
                // Their own save went through and only its answer was lost (a dropped connection, a restarted server):
                // restoring the draft would save the same grade a second time, as a "correction".
                await _module.InvokeVoidAsync("saveDraft", DraftOwner, null);
                _message = new StationMessage(Severity.Info,
                    $"{draft.ReturnId} was saved as {Words.Of(since.Grade)} before the page reloaded: there is nothing more to save.");
                return;
            }
            // Someone else's grade (or a different one): the choices come back, and replacing that grade takes a click,
            // as when the same happens without a reload. The draft stays based on what the associate started from.
            _openedOnDecision = draft.BasedOn;
            RestoreDraft(draft);
            _correctionNeedsClick = true;
            _message = new StationMessage(Severity.Warning,
                $"{draft.ReturnId} was graded {Words.Of(since.Grade)} by {since.Actor.Name} after you started. Your unsaved choices are back; " +
                "to replace that grade with yours, press \"Save as a correction\" (Enter does not).");
            return;
        }
        RestoreDraft(draft);
        if (HasUnsavedChoices)
        {
            _message = _draftBackMessage = DraftBackMessage(draft.ReturnId, _setAsideBoxesRestored);
        }
    }

    /// <summary>The message that the draft is back, while it shows: a put-back that brings its kept-aside boxes back rewrites it.</summary>
    private StationMessage? _draftBackMessage;

    private static StationMessage DraftBackMessage(string returnId, int boxesKeptAside)
    {
        var keptAside = boxesKeptAside switch
        {
            0 => "",
            1 => " 1 box on a photo set aside is kept with it: put the photo back to bring it back.",
            var n => $" {n} boxes on photos set aside are kept with them: put a photo back to bring its boxes back.",
        };
        return new StationMessage(Severity.Info, $"Your unsaved choices for {returnId} are back. Check them and save.{keptAside}");
    }

    /// <summary>
    /// After a put-back brought boxes back: the draft's message counts only those still kept aside. It went on saying the
    /// boxes were kept with a photo already put back, boxes and all (exploratory pass, 2026-12-06).
    /// </summary>
    private void RecountDraftBackMessage(string returnId)
    {
        if (_message is not null && ReferenceEquals(_message, _draftBackMessage))
        {
            _message = _draftBackMessage = DraftBackMessage(returnId, _draftsOfSetAsidePhotos.Values.Sum(drafts => drafts.Count));
        }
    }

    /// <summary>The draft's choices are what <paramref name="saved"/> holds: grade, disposition, note, marks and boxes.</summary>
    private static bool DraftIsSaved(StationDraft draft, DecisionSummary saved)
    {
        static string Box(Guid? photo, DamageType type, int[]? box) => $"{photo}:{type}:{(box is null ? "" : string.Join(',', box))}";
        var savedDrawn = saved.Damage.Where(d => d.Source == RegionSource.Added && d.Box is not null).Select(d => Box(d.PhotoId, d.Type, d.Box)).Order();
        var draftDrawn = draft.Regions.Where(r => r.Drawn && !r.Deleted).Select(r => Box(r.PhotoId, r.Type, r.Box)).Order();
        var savedMarks = saved.Damage.Where(d => d.Box is null || d.PhotoId is null).Select(d => d.Type).Order();
        return (draft.Grade ?? saved.Grade) == saved.Grade
            && (draft.Disposition ?? saved.Disposition) == saved.Disposition
            && string.Equals(draft.Notes?.Trim() ?? "", saved.Notes ?? "", StringComparison.Ordinal)
            && draft.Damage.Order().SequenceEqual(savedMarks)
            && draftDrawn.SequenceEqual(savedDrawn, StringComparer.Ordinal);
    }

    /// <summary>
    /// The draft this tab keeps for the associate (at most one: one item is open at a time), if any. One the page cannot
    /// read (written by an earlier release in another shape, or edited) is dropped: read unguarded, it failed the
    /// station's first render in that tab on every visit until the tab was closed (review of the station, 2026-12-06).
    /// </summary>
    private async Task<StationDraft?> LoadDraftAsync()
    {
        if (_module is null || await _module.InvokeAsync<string?>("loadDraft", DraftOwner) is not { } stored)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<StationDraft>(stored);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private void RestoreDraft(StationDraft draft)
    {
        if (draft.Grade is { } grade)
        {
            SelectGrade(grade); // as the key did: a disposition not chosen follows the grade again
        }
        if (draft.Disposition is { } disposition)
        {
            _disposition.Choose(disposition);
        }
        _damage = [.. draft.Damage];
        _notes = draft.Notes;
        _contradictionReason = draft.ContradictionReason;
        _flagForReview = draft.FlagForReview;
        // The draft holds every box the associate drew: they replace the drawn ones the form opened with (a reopened
        // item's saved boxes), or each reload added the saved boxes again, stacked where they looked like one.
        _regions.RemoveAll(r => r.DrawnByAssociate);
        _setAsideBoxesRestored = 0;
        foreach (var region in draft.Regions.Concat(draft.SetAsideRegions ?? []))
        {
            if (!CountsForItem(region.PhotoId))
            {
                // On a photo set aside (since the draft was kept, or before): kept with the photo, back with "Put back".
                KeepAsideDraft(region);
                _setAsideBoxesRestored++;
                continue;
            }
            ApplyRegionDraft(region);
        }
    }

    /// <summary>How many boxes of the draft just restored are kept aside with set-aside photos (the restore says so).</summary>
    private int _setAsideBoxesRestored;

    /// <summary>A drawn box comes back as drawn; a changed suggestion applies to the same suggested (or saved) box if it is there.</summary>
    private void ApplyRegionDraft(RegionDraft region)
    {
        if (region.Drawn)
        {
            var drawn = RegionEdit.Drawn(region.PhotoId, region.Type, region.Box);
            drawn.Deleted = region.Deleted;
            _regions.Add(drawn);
        }
        else if (_regions.FirstOrDefault(r => r.PhotoId == region.PhotoId && r.SuggestedType == region.SuggestedType && r.SuggestedBox.SequenceEqual(region.SuggestedBox)) is { } suggested)
        {
            suggested.Type = region.Type;
            suggested.Box = region.Box;
            suggested.Deleted = region.Deleted;
            suggested.Confirmed = region.Confirmed;
        }
    }

    /// <summary>Called after each render: session storage follows the form; the page warns before unload while it is unsaved.</summary>
    private async Task StoreDraftAsync()
    {
        if (_module is null)
        {
            return;
        }
        // The form is serialized once per render (HasUnsavedChoices would do it a second time).
        var form = DraftJson();
        var draft = FormCanBeSaved && form != _openedAs ? form : null;
        if (draft != _storedDraft)
        {
            _storedDraft = draft;
            await _module.InvokeVoidAsync("saveDraft", DraftOwner, draft);
        }
    }

    /// <summary>True when the item may be left now; otherwise the station asks and the caller stops.</summary>
    private bool MayLeave(string? nextPlate)
    {
        var unsaved = HasUnsavedChoices;
        var uploading = _item is not null && UploadsInFlight;
        if ((!unsaved && !uploading) || (nextPlate is not null && string.Equals(ReturnItems.NormalizeReturnId(nextPlate), _item?.ReturnId, StringComparison.Ordinal)))
        {
            return true;
        }
        _pendingLeave = new PendingLeave(nextPlate, unsaved, uploading);
        _focusGuard = true;
        ClearScan();
        return false;
    }

    private async Task DiscardAndLeaveAsync()
    {
        if (_pendingLeave is not { } leave)
        {
            return;
        }
        _pendingLeave = null;
        _openedAs = DraftJson(); // nothing unsaved any more: the form may go
        _uploads.Clear();        // nor anything on its way: the associate chose to leave it (else the question came back)
        if (leave.NextPlate is { } plate)
        {
            await OpenAsync(plate);
        }
        else
        {
            CloseItem();
        }
    }

    private void KeepWorking()
    {
        _pendingLeave = null;
        _focusItem = true;
    }
}
