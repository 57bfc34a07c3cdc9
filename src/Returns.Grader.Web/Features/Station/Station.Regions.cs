using Returns.Grader.Web.Components.Grading;
using Returns.Grader.Web.Data;

namespace Returns.Grader.Web.Features.Station;

/// <summary>The associate's edits to the damage regions of the open item, each undoable (<see cref="RegionHistory"/>).</summary>
public sealed partial class Station
{
    private readonly RegionHistory _history = new();

    /// <summary>The region the keys act on (N/P choose it); its row and box are outlined.</summary>
    private RegionEdit? _selectedRegion;

    /// <summary>
    /// A region key from station.js (<see cref="RegionKeys"/>): "next"/"previous" also open the chosen region's photo.
    /// </summary>
    private void RegionKey(string action, int typeNumber)
    {
        _selectedRegion = RegionKeys.Press(action, typeNumber, _regions, _selectedRegion, _history);
        if (_selectedRegion is not null && action is ("next" or "previous"))
        {
            _editingPhotoId = _selectedRegion.PhotoId;
        }
    }

    private void RetypeRegion(RegionEdit region, DamageType type) => RegionKeys.Retype(_regions, region, type, _history);

    private void ToggleRegion(RegionEdit region) => RegionKeys.Toggle(_regions, region, _history);

    private void RemoveRegion(RegionEdit region) => RegionKeys.Remove(_regions, region, _history);

    private void UndoRegions() => _history.Undo(_regions);

    private void RedoRegions() => _history.Redo(_regions);
}
