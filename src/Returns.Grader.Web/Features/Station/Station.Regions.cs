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
    /// A region key from station.js: "next"/"previous" choose a region (and open its photo), "accept" keeps the chosen
    /// one as damage, "reject" marks it not damage (a box the associate drew goes), "type" sets its damage type
    /// (Shift+1..6 in the rubric's order). A key never acts on a region nobody chose.
    /// </summary>
    private void RegionKey(string action, int typeNumber)
    {
        if (_regions.Count == 0)
        {
            return;
        }
        if (action is "next" or "previous")
        {
            var at = _selectedRegion is null ? -1 : _regions.IndexOf(_selectedRegion);
            var step = action == "next" ? 1 : -1;
            _selectedRegion = _regions[at < 0 ? (step > 0 ? 0 : _regions.Count - 1) : (at + step + _regions.Count) % _regions.Count];
            _editingPhotoId = _selectedRegion.PhotoId;
            return;
        }
        if (_selectedRegion is not { } region || !_regions.Contains(region))
        {
            return;
        }
        switch (action)
        {
            case "accept" when region.Deleted:
                ToggleRegion(region);
                break;
            case "reject" when region.DrawnByAssociate:
                RemoveRegion(region);
                _selectedRegion = null;
                break;
            case "reject" when !region.Deleted:
                ToggleRegion(region);
                break;
            case "type" when !region.Deleted && typeNumber >= 1 && typeNumber <= Enum.GetValues<DamageType>().Length:
                RetypeRegion(region, Enum.GetValues<DamageType>()[typeNumber - 1]);
                break;
        }
    }

    private void RetypeRegion(RegionEdit region, DamageType type)
    {
        if (region.Type != type)
        {
            _history.Record(_regions);
            region.Type = type;
        }
    }

    /// <summary>A model's region: "not damage" (kept, as deleted, with the decision) or restored.</summary>
    private void ToggleRegion(RegionEdit region)
    {
        _history.Record(_regions);
        region.Deleted = !region.Deleted;
    }

    /// <summary>A region the associate drew goes entirely.</summary>
    private void RemoveRegion(RegionEdit region)
    {
        _history.Record(_regions);
        _regions.Remove(region);
    }

    private void UndoRegions() => _history.Undo(_regions);

    private void RedoRegions() => _history.Redo(_regions);
}
