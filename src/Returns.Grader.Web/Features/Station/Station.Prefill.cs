using MudBlazor;
using Returns.Grader.Web.Components.Grading;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Models;

namespace Returns.Grader.Web.Features.Station;

/// <summary>
/// What the form starts from and how it follows the associate: a saved decision as it was, or the model's suggestion
/// where the prefill policy allows, and the grade, damage and disposition as the associate chooses them.
/// </summary>
public sealed partial class Station
{
    /// <summary>
    /// A graded item opens as it was saved: its grade and disposition, its boxes on the photos as boxes (a correction
    /// saved from here keeps them), the damage marked without a box as chips, and its note, rubric reason and request
    /// for a supervisor.
    /// </summary>
    private void PrefillFromCurrentDecision()
    {
        if (CurrentDecision is { } current)
        {
            _grade.Suggest(current.Grade);
            // Not the boxes on a photo set aside since: they are another item's (ADR 0052). What an earlier form kept aside
            // with set-aside photos goes with that form: "Put back" must not bring it into this grade's correction.
            _regions = current.Damage.Select(RegionEdit.FromSaved).OfType<RegionEdit>().Where(r => CountsForItem(r.PhotoId)).ToList();
            ForgetWhatWasKeptAside();
            _history.Clear();
            _damage = current.Damage.Where(d => d.Source != RegionSource.Deleted && !RegionEdit.IsBoxed(d)).Select(d => d.Type).ToList();
            _disposition.Suggest(current.Disposition);
            // A correction replaces the whole grade: what the form does not show again is dropped from the item's label
            // (the note, the reason for going against the rubric, the request for a supervisor were lost on every
            // correction). They come back as they were saved, to be kept or edited, as the grade and boxes do (whoever
            // corrects the item; the request for a supervisor stays on the item's open review either way).
            _notes = current.Notes;
            _contradictionReason = current.ContradictionReason;
            _flagForReview = current.FlaggedForReview;
        }
    }

    /// <summary>
    /// An item not graded yet starts from the model's suggestion when the model is familiar with its photos and sure
    /// enough (<see cref="PrefillPolicy"/>): its grade preselected, its regions to review. What the associate has not
    /// touched follows the current suggestion: a later photo that changes it changes the prefill, or withdraws it.
    /// </summary>
    private async Task PrefillFromSuggestionAsync()
    {
        if (_item is null)
        {
            return;
        }
        _prefillMinConfidence = _item.Suggestion is { } shown
            ? await Models.PrefillMinConfidenceForAsync(shown.ModelVersion, _circuitGone.Token)
            : null;
        if (CurrentDecision is not null)
        {
            _draftsAwaitingSuggestion.Clear(); // the form follows a saved grade: a draft's changes to the model's boxes do not apply
            return;
        }
        var prefill = Verdict == PrefillVerdict.Prefill ? _item.Suggestion : null;
        _grade.Suggest(prefill?.Grade);
        _disposition.Suggest(_grade.Value is { } grade ? Decisions.SuggestDisposition(grade, _item.Category) : null);

        // The model's regions the associate left as they are follow the suggestion; edited, rejected and drawn ones stay.
        var suggested = (prefill?.Damage ?? []).Select(RegionEdit.From).OfType<RegionEdit>().ToList();
        var current = suggested.Select(SuggestionKey).ToHashSet();
        var withdrawn = _regions.RemoveAll(r => r.Source == RegionSource.Model && !current.Contains(SuggestionKey(r))); // one a person accepted stays
        var known = _regions.Select(SuggestionKey).ToHashSet();
        var added = suggested.Where(r => known.Add(SuggestionKey(r))).ToList();
        _regions.AddRange(added);
        if (withdrawn > 0 || added.Count > 0)
        {
            _history.Clear(); // the model changed the regions: undo must not bring back what it withdrew
        }
        _draftsAwaitingSuggestion.ForEach(ApplyRegionDraft); // on the suggested boxes just put back (photos put back elsewhere)
        _draftsAwaitingSuggestion.Clear();
    }

    /// <summary>
    /// The form holds a grade a model no longer active filled in, untouched: the station said "grade it yourself" under it,
    /// and Save stored the retired model's grade and boxes (two-node browser pass, 2026-12-07).
    /// </summary>
    private bool FilledInByARetiredModel => ShowsARetiredModelsSuggestion() && _grade.Value is not null && !_grade.Chosen;

    /// <summary>The active model changed on this node: heard on a pool thread, followed on the page's.</summary>
    private void OnActiveModelChanged() => _ = InvokeAsync(async () =>
    {
        if (_busy)
        {
            _activeModelChangedWhileBusy = true; // followed once the action under way is done (RunBusyAsync)
            return;
        }
        await FollowActiveModelIfShownAsync();
    });

    /// <summary>A change of the model heard while an action was under way: followed after it, not dropped (diff review).</summary>
    private bool _activeModelChangedWhileBusy;

    private async Task FollowActiveModelIfShownAsync()
    {
        _activeModelChangedWhileBusy = false;
        if (ShowsARetiredModelsSuggestion())
        {
            await RunBusyAsync(FollowActiveModelAsync, notDone: "the item was not read again");
            StateHasChanged();
        }
    }

    /// <summary>Whether the open, ungraded item shows a suggestion from a model no longer active.</summary>
    private bool ShowsARetiredModelsSuggestion() =>
        _item?.Suggestion is { } suggestion && CurrentDecision is null && !_circuitGone.IsCancellationRequested && !FromActiveModel(suggestion);

    /// <summary>
    /// Reads the open item again under the model now active (its suggestion is that model's, or none for photos it has not
    /// seen), and what the associate has not touched follows it as after a new photo: a grade, disposition and boxes the
    /// retired model filled in are withdrawn. What the associate chose stays. Says so when it took something away.
    /// </summary>
    private async Task FollowActiveModelAsync()
    {
        if (_item is not { } item)
        {
            return;
        }
        var gradeFilledIn = FilledInByARetiredModel ? _grade.Value : null;
        var modelBoxes = _regions.Count(r => r.Source == RegionSource.Model);
        var graded = CurrentDecision?.Id;
        var touched = HasUnsavedChoices;
        if (await ReloadOpenItemAsync(item) is not { } takenOff)
        {
            return;
        }
        // Graded by someone else meanwhile: their grade is followed as after any re-read (the retired model's grade left on
        // the form was then saved over theirs as a correction, against the version just read: diff review).
        if (await FollowSomeoneElsesGradeAsync(graded, touched, afterRefusedSave: false))
        {
            return;
        }
        await PrefillFromSuggestionAsync();
        var withdrew = (gradeFilledIn is not null && _grade.Value != gradeFilledIn) || _regions.Count(r => r.Source == RegionSource.Model) < modelBoxes;
        if (withdrew)
        {
            _message = new StationMessage(Severity.Warning,
                $"The model in use changed while {item.ReturnId} was open: what the old model had filled in (a grade you had not chosen, boxes nobody had checked) is withdrawn, as its suggestions are no longer used. Check the item and choose the grade yourself.{takenOff.Said}");
        }
        else if (takenOff.Said.Length > 0)
        {
            _message = new StationMessage(Severity.Warning, takenOff.Said.TrimStart());
        }
    }

    private static (Guid, DamageType, string) SuggestionKey(RegionEdit region) =>
        (region.PhotoId, region.SuggestedType, string.Join(',', region.SuggestedBox));

    private void SelectGrade(Grade grade)
    {
        _grade.Choose(grade);
        if (_item is null)
        {
            return;
        }
        // A new item's disposition follows the grade until the associate chooses one (also once someone else's grade
        // has made the save a correction: the form is still the associate's first grade). A correction's follows it too
        // when nobody chose the saved disposition: kept at "recycle" for a grade corrected from Unsellable to Good, the
        // save stored recycle with Good, which nobody chose (exploratory pass, 2026-12-06). One a person chose stays:
        // a grade key never changes a field a person set (issue 17).
        var saved = _openedOnDecision is null ? null : CurrentDecision;
        if (saved is null || saved.DispositionPrefilled)
        {
            _disposition.Suggest(Decisions.SuggestDisposition(grade, _item.Category));
        }
    }

    /// <summary>Where the disposition shown comes from, under the field.</summary>
    private string DispositionSource =>
        _disposition.Chosen ? "Your choice"
        : CurrentDecision is { } saved && _openedOnDecision is not null && _disposition.Value == saved.Disposition
            && (!saved.DispositionPrefilled || _grade.Value == saved.Grade) ? "As in the current grade"
        : "Follows the grade (site rules)";

    private void MarkDamage(IReadOnlyList<DamageType> damage) => _damage = damage.ToList();

    private void ChooseDisposition(Disposition? disposition) => _disposition.Choose(disposition);
}
