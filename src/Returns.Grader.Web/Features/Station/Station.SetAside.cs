using MudBlazor;
using Returns.Grader.Web.Components;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Items;

namespace Returns.Grader.Web.Features.Station;

/// <summary>
/// A photo of another item (taken with the wrong plate open) or of nothing is set aside from the strip, and put back the
/// same way (ADR 0052): it stops counting for the item's suggestion, its boxes leave the form, and exports leave it out.
/// </summary>
public sealed partial class Station
{
    [Microsoft.AspNetCore.Components.Inject] private Photos.PhotoSetAside PhotoSetAside { get; set; } = default!;

    /// <summary>The photo whose set-aside reasons are shown (its "Set aside…" pressed), if any.</summary>
    private Guid? _choosingSetAside;

    /// <summary>Whether the photo counts for the open item (not set aside): only those carry boxes.</summary>
    private bool CountsForItem(Guid photoId) => _item?.Photos.Any(p => p.PhotoId == photoId) == true;

    private Task SetPhotoAsideAsync(PhotoSummary photo, int index, PhotoSetAsideReason reason) =>
        ChangePhotoAsync(actor => PhotoSetAside.SetAsideAsync(photo.PhotoId, reason, actor, CancellationToken.None),
            $"Photo {index + 1} set aside ({Words.Of(reason).ToLowerInvariant()}): it no longer counts for this item. Put it back from the list below the photos if that was a mistake.",
            "the photo was not set aside");

    private Task PutPhotoBackAsync(SetAsidePhotoSummary photo) =>
        ChangePhotoAsync(actor => PhotoSetAside.PutBackAsync(photo.PhotoId, actor, CancellationToken.None),
            "The photo is back among the item's photos, and the suggestion counts it again.", "the photo was not put back");

    private async Task ChangePhotoAsync(Func<Auth.Actor, Task<Photos.PhotoSetAsideState?>> change, string done, string notDone)
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
            // Written whatever happens to the tab next (as a grade is): never the circuit's token.
            await change(await ActorAsync());
            _item = await Items.GetForStationAsync(item.Id, _circuitGone.Token) ?? item;
            // Boxes on a photo that no longer counts are another item's: they leave the form, and undo cannot bring them back.
            if (_regions.RemoveAll(r => !CountsForItem(r.PhotoId)) > 0)
            {
                _history.Clear();
            }
            if (_selectedRegion is { } selected && !_regions.Contains(selected))
            {
                _selectedRegion = null;
            }
            if (_editingPhotoId is { } open && !CountsForItem(open))
            {
                _editingPhotoId = null;
            }
            if (!await FollowSomeoneElsesGradeAsync(graded, touched, afterRefusedSave: false))
            {
                await PrefillFromSuggestionAsync();
                _message = new StationMessage(Severity.Info, done);
            }
        }, notDone);
    }
}
