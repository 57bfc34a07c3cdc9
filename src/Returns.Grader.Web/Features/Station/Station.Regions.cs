using Returns.Grader.Web.Components.Grading;
using Returns.Grader.Web.Data;

namespace Returns.Grader.Web.Features.Station;

/// <summary>The associate's edits to the damage regions of the open item, each undoable (<see cref="RegionHistory"/>).</summary>
public sealed partial class Station
{
    private readonly RegionHistory _history = new();

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
