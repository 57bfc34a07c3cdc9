using MudBlazor;
using Returns.Grader.Web.Components;
using Returns.Grader.Web.Components.Grading;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;
using Returns.Grader.Web.Features.Items;

namespace Returns.Grader.Web.Features.Station;

/// <summary>
/// A photo of another item (taken with the wrong plate open) or of nothing is set aside from the strip, and put back the
/// same way (ADR 0052): it stops counting for the item's suggestion, its boxes leave the form (and come back with it), and
/// exports leave it out.
/// </summary>
public sealed partial class Station
{
    [Microsoft.AspNetCore.Components.Inject] private Photos.PhotoSetAside PhotoSetAside { get; set; } = default!;

    /// <summary>The boxes the form held on photos set aside from it: putting the photo back brings them back.</summary>
    private readonly SetAsideBoxes _boxesOfSetAsidePhotos = new();

    /// <summary>The same from a draft restored after a reload: the associate's changes, applied when the photo is put back
    /// (a changed suggestion to the suggested box that comes back with it).</summary>
    private readonly Dictionary<Guid, List<RegionDraft>> _draftsOfSetAsidePhotos = [];

    private void KeepAsideDraft(RegionDraft region)
    {
        if (!_draftsOfSetAsidePhotos.TryGetValue(region.PhotoId, out var drafts))
        {
            _draftsOfSetAsidePhotos[region.PhotoId] = drafts = [];
        }
        drafts.Add(region);
    }

    /// <summary>What is kept aside with set-aside photos, as the draft keeps it (boxes left as suggested come back with the suggestion).</summary>
    private List<RegionDraft> SetAsideBoxDrafts() =>
        [.. _boxesOfSetAsidePhotos.All.Where(r => r.Source != RegionSource.Model).Select(ToDraft),
         .. _draftsOfSetAsidePhotos.Values.SelectMany(drafts => drafts)];

    /// <summary>Whether this person may set the item's photos aside or put them back: not a grader once a supervisor's
    /// grade is final (the buttons only led to a refusal).</summary>
    private bool MayChangePhotos(ReturnItemDetails item) => item.Status != ItemStatus.Final || _mayChangeFinalItemsPhotos;

    private bool _mayChangeFinalItemsPhotos;

    /// <summary>Whether the photo counts for the open item (not set aside): only those carry boxes.</summary>
    private bool CountsForItem(Guid photoId) => _item?.Photos.Any(p => p.PhotoId == photoId) == true;

    private Task SetPhotoAsideAsync(PhotoSummary photo, PhotoSetAsideReason reason) =>
        ChangePhotoAsync(photo.PhotoId, puttingBack: false, (actor, version) => PhotoSetAside.SetAsideAsync(photo.PhotoId, reason, actor, version, CancellationToken.None),
            // One line: at 1024 x 768 the three-line notice covered the first damage row for its seconds (exploratory pass).
            $"Photo set aside ({Words.Of(reason).ToLowerInvariant()}); \"Put back\" below the photos undoes it.",
            "the photo was not set aside");

    private Task PutPhotoBackAsync(SetAsidePhotoSummary photo) =>
        ChangePhotoAsync(photo.PhotoId, puttingBack: true, (actor, version) => PhotoSetAside.PutBackAsync(photo.PhotoId, actor, version, CancellationToken.None),
            "Photo put back: it counts for the item and its suggestion again.", "the photo was not put back");

    private async Task ChangePhotoAsync(Guid photoId, bool puttingBack, Func<Auth.Actor, Guid, Task<Photos.PhotoSetAsideState?>> change, string done, string notDone)
    {
        if (_item is not { } item || _busy)
        {
            return;
        }
        await RunBusyAsync(async () =>
        {
            var graded = CurrentDecision?.Id;
            var touched = HasUnsavedChoices;
            var changedElsewhere = false;
            try
            {
                // Against the item as shown: a grade or photo that came meanwhile refuses it rather than being taken in
                // unseen (review of the set-aside). Written whatever happens to the tab next: never the circuit's token.
                await change(await ActorAsync(), item.Version);
            }
            catch (ConcurrencyConflictException)
            {
                changedElsewhere = true;
            }
            if (await ReloadOpenItemAsync(item, beingPutBack: puttingBack && !changedElsewhere ? photoId : null) is not { } takenOff)
            {
                return;
            }
            // Only a put-back that went through brings boxes back: after a refused set-aside the photo still counts, and
            // the saved grade's boxes were added a second time (review of the set-aside's fixes).
            var broughtBack = puttingBack && !changedElsewhere && CountsForItem(photoId);
            if (broughtBack)
            {
                BringBackBoxesOf(photoId);
            }
            if (!await FollowSomeoneElsesGradeAsync(graded, touched, afterRefusedSave: false))
            {
                if (!changedElsewhere && !ReferenceEquals(_message, _draftBackMessage))
                {
                    // Done as asked: an earlier message about the photos ("a box ... left the form with it") no longer
                    // holds once the photo is back (regression pass, 2026-12-07). The draft's message is recounted below.
                    _message = null;
                }
                await PrefillFromSuggestionAsync();
                if (broughtBack && _draftsOfSetAsidePhotos.Remove(photoId, out var drafts))
                {
                    drafts.ForEach(ApplyRegionDraft); // after the prefill: a changed suggestion needs its suggested box back first
                    RecountDraftBackMessage(item.ReturnId);
                }
                if (changedElsewhere)
                {
                    _message = new StationMessage(Severity.Warning,
                        $"{item.ReturnId} changed while this was on its way (a photo was added, set aside or put back meanwhile), so nothing was set aside or put back: the photos below are as they are now. Look again.{takenOff.Said}");
                }
                else
                {
                    // A snackbar, not the message above the item: that moved the strip 58 px under the pointer (exploratory pass).
                    Snackbar.Add(done, Severity.Info);
                }
            }
            _focusItem = true; // the button pressed is gone: the keys go on working on the item, not from the page's top
        }, notDone);
    }

    /// <summary>
    /// Reads the open item again after a change made to it (here or elsewhere), boxes on photos no longer counted taken
    /// off the form and those on photos that count again brought back, except <paramref name="beingPutBack"/> (this
    /// station's own put-back, which brings its boxes back itself). Null, with the item closed and said so, when it no
    /// longer exists; else what left the form and what came back.
    /// </summary>
    private async Task<BoxesTakenOff?> ReloadOpenItemAsync(ReturnItemDetails item, Guid? beingPutBack = null)
    {
        if (await Items.GetForStationAsync(item.Id, _circuitGone.Token) is not { } now)
        {
            _message = new StationMessage(Severity.Error, $"{item.ReturnId} no longer exists. Scan it again.");
            CloseItem();
            return null;
        }
        _item = now;
        return DropBoxesOffSetAsidePhotos(beingPutBack);
    }

    /// <summary>Boxes a reload took off the form (all of them, and those not left as the model drew them) and brought back.</summary>
    private readonly record struct BoxesTakenOff(int All, int Checked, int Back)
    {
        /// <summary>
        /// A sentence for the associate when checked boxes left with a photo set aside elsewhere, or came back with one put
        /// back elsewhere: they went without a word after an upload or a refused set-aside (two-node pass, 2026-12-07),
        /// and stayed hidden, to be saved without, once the photo was put back elsewhere (review of that fix). Empty when
        /// neither happened.
        /// </summary>
        public string Said => (Checked switch
        {
            0 => "",
            1 => " A box on a photo set aside elsewhere left the form with it: \"Put back\" below the photos brings it back.",
            _ => $" {Checked} boxes on photos set aside elsewhere left the form with them: \"Put back\" below the photos brings them back.",
        }) + (Back switch
        {
            0 => "",
            1 => " A box kept with a photo put back elsewhere is on the form again.",
            _ => $" {Back} boxes kept with photos put back elsewhere are on the form again.",
        });
    }

    /// <summary>
    /// After any reload of the item: boxes on a photo that no longer counts (set aside here, in another tab or by someone
    /// else) leave the form, kept aside with the photo. Left in, the save was refused for a box on a photo not shown. Boxes
    /// kept with a photo that counts again (put back elsewhere: no "Put back" is left to press here) come back to the form.
    /// </summary>
    private BoxesTakenOff DropBoxesOffSetAsidePhotos(Guid? beingPutBack = null)
    {
        var back = BringBackBoxesOfPhotosThatCountAgain(beingPutBack);
        var off = _boxesOfSetAsidePhotos.TakeOff(_regions, CountsForItem);
        if (off.Count == 0)
        {
            return new BoxesTakenOff(0, 0, back);
        }
        _history.Clear(); // undo must not bring back a box on a photo that is not shown
        if (_selectedRegion is { } selected && off.Contains(selected))
        {
            _selectedRegion = null;
        }
        if (_editingPhotoId is { } open && !CountsForItem(open))
        {
            _editingPhotoId = null;
        }
        return new BoxesTakenOff(off.Count, off.Count(r => r.Source != RegionSource.Model), back);
    }

    /// <summary>A restored draft's changes to the model's boxes on photos put back elsewhere: applied once the suggestion
    /// has put those boxes back on the form (<see cref="PrefillFromSuggestionAsync"/>).</summary>
    private readonly List<RegionDraft> _draftsAwaitingSuggestion = [];

    /// <summary>
    /// The boxes kept aside with photos that count again, and what a restored draft kept with them, back on the form
    /// (never a box twice): its drawn boxes at once, its changes to the model's boxes after the suggestion is read again.
    /// Those waited for this station's own "Put back", which is gone once the photo counts again, and a later set-aside and
    /// put-back here brought them back over newer changes (regression pass, 2026-12-07). How many checked boxes came back.
    /// </summary>
    private int BringBackBoxesOfPhotosThatCountAgain(Guid? beingPutBack)
    {
        var present = _regions.Select(SuggestionKey).ToHashSet();
        var back = _boxesOfSetAsidePhotos.TakeBack(photo => photo != beingPutBack && CountsForItem(photo))
            .Where(b => present.Add(SuggestionKey(b))).ToList();
        _regions.AddRange(back);
        var drawn = 0;
        foreach (var photo in _draftsOfSetAsidePhotos.Keys.Where(p => p != beingPutBack && CountsForItem(p)).ToList())
        {
            _draftsOfSetAsidePhotos.Remove(photo, out var drafts);
            foreach (var region in drafts!)
            {
                if (region.Drawn)
                {
                    ApplyRegionDraft(region);
                    drawn++;
                }
                else
                {
                    _draftsAwaitingSuggestion.Add(region); // not counted: it changes a box only if the suggestion brings it back
                }
            }
        }
        return back.Count(r => r.Source != RegionSource.Model) + drawn;
    }

    /// <summary>What the form kept aside with set-aside photos goes with the form (a new item, or a saved grade reopened).</summary>
    private void ForgetWhatWasKeptAside()
    {
        _boxesOfSetAsidePhotos.Clear();
        _draftsOfSetAsidePhotos.Clear();
        _draftsAwaitingSuggestion.Clear();
    }

    /// <summary>A photo put back brings back the boxes the form had on it (or, opened since, the saved grade's boxes on it).</summary>
    private void BringBackBoxesOf(Guid photoId)
    {
        var present = _regions.Select(SuggestionKey).ToHashSet(); // never a box twice, drawn ones included
        if (_boxesOfSetAsidePhotos.TryTakeBack(photoId, out var kept))
        {
            _regions.AddRange(kept.Where(b => present.Add(SuggestionKey(b))));
            return;
        }
        // Set aside before the page opened (or before a reload): the saved grade's boxes on it; where the tab's draft holds
        // the associate's boxes on it, its drawn ones replace the saved drawn ones, as a restored draft does (they were
        // there twice: review of the set-aside's fixes), and its changes apply after the prefill.
        var saved = CurrentDecision?.Damage.Where(d => d.PhotoId == photoId).Select(RegionEdit.FromSaved).OfType<RegionEdit>() ?? [];
        _regions.AddRange(saved.Where(b => present.Add(SuggestionKey(b))));
        if (_draftsOfSetAsidePhotos.ContainsKey(photoId))
        {
            _regions.RemoveAll(r => r.PhotoId == photoId && r.DrawnByAssociate);
        }
    }
}
