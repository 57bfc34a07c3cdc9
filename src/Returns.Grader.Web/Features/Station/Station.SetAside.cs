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

    /// <summary>The photo whose set-aside reasons are shown (its "Set aside…" pressed), if any.</summary>
    private Guid? _choosingSetAside;

    /// <summary>The boxes the form held on photos set aside from it, by photo: putting the photo back brings them back.</summary>
    private readonly Dictionary<Guid, List<RegionEdit>> _boxesOfSetAsidePhotos = [];

    /// <summary>Whether the photo counts for the open item (not set aside): only those carry boxes.</summary>
    private bool CountsForItem(Guid photoId) => _item?.Photos.Any(p => p.PhotoId == photoId) == true;

    private Task SetPhotoAsideAsync(PhotoSummary photo, PhotoSetAsideReason reason) =>
        ChangePhotoAsync(photo.PhotoId, (actor, version) => PhotoSetAside.SetAsideAsync(photo.PhotoId, reason, actor, version, CancellationToken.None),
            $"Photo set aside ({Words.Of(reason).ToLowerInvariant()}): it no longer counts for this item. If that was a mistake, put it back from the list below the photos.",
            "the photo was not set aside");

    private Task PutPhotoBackAsync(SetAsidePhotoSummary photo) =>
        ChangePhotoAsync(photo.PhotoId, (actor, version) => PhotoSetAside.PutBackAsync(photo.PhotoId, actor, version, CancellationToken.None),
            "The photo is back among the item's photos, and the suggestion counts it again.", "the photo was not put back");

    private async Task ChangePhotoAsync(Guid photoId, Func<Auth.Actor, Guid, Task<Photos.PhotoSetAsideState?>> change, string done, string notDone)
    {
        if (_item is not { } item || _busy)
        {
            return;
        }
        _choosingSetAside = null;
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
            if (!await ReloadOpenItemAsync(item))
            {
                return;
            }
            if (CountsForItem(photoId))
            {
                BringBackBoxesOf(photoId);
            }
            if (!await FollowSomeoneElsesGradeAsync(graded, touched, afterRefusedSave: false))
            {
                await PrefillFromSuggestionAsync();
                _message = changedElsewhere
                    ? new StationMessage(Severity.Warning, $"{item.ReturnId} changed after you opened it (a photo added or set aside elsewhere), so nothing was set aside or put back: the photos below are as they are now. Look again.")
                    : new StationMessage(Severity.Info, done);
            }
        }, notDone);
    }

    /// <summary>
    /// Reads the open item again after a change made to it (here or elsewhere), boxes on photos no longer counted taken
    /// off the form. False, with the item closed and said so, when it no longer exists.
    /// </summary>
    private async Task<bool> ReloadOpenItemAsync(ReturnItemDetails item)
    {
        if (await Items.GetForStationAsync(item.Id, _circuitGone.Token) is not { } now)
        {
            _message = new StationMessage(Severity.Error, $"{item.ReturnId} no longer exists. Scan it again.");
            CloseItem();
            return false;
        }
        _item = now;
        DropBoxesOffSetAsidePhotos();
        return true;
    }

    /// <summary>
    /// After any reload of the item: boxes on a photo that no longer counts (set aside here, in another tab or by someone
    /// else) leave the form, kept aside with the photo. Left in, the save was refused for a box on a photo not shown.
    /// </summary>
    /// <returns>How many boxes left the form.</returns>
    private int DropBoxesOffSetAsidePhotos()
    {
        var off = _regions.Where(r => !CountsForItem(r.PhotoId)).ToList();
        if (off.Count == 0)
        {
            return 0;
        }
        foreach (var group in off.GroupBy(r => r.PhotoId))
        {
            _boxesOfSetAsidePhotos[group.Key] = [.. group];
        }
        _regions.RemoveAll(off.Contains);
        _history.Clear(); // undo must not bring back a box on a photo that is not shown
        if (_selectedRegion is { } selected && off.Contains(selected))
        {
            _selectedRegion = null;
        }
        if (_editingPhotoId is { } open && !CountsForItem(open))
        {
            _editingPhotoId = null;
        }
        return off.Count;
    }

    /// <summary>A photo put back brings back the boxes the form had on it (or, opened since, the saved grade's boxes on it).</summary>
    private void BringBackBoxesOf(Guid photoId)
    {
        var boxes = _boxesOfSetAsidePhotos.Remove(photoId, out var kept)
            ? kept
            : CurrentDecision?.Damage.Where(d => d.PhotoId == photoId).Select(RegionEdit.FromSaved).OfType<RegionEdit>().ToList() ?? [];
        var present = _regions.Select(SuggestionKey).ToHashSet();
        _regions.AddRange(boxes.Where(b => b.DrawnByAssociate || present.Add(SuggestionKey(b))));
    }
}
