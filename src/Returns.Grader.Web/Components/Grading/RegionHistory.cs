using Returns.Grader.Web.Data;

namespace Returns.Grader.Web.Components.Grading;

/// <summary>
/// Undo and redo of the associate's own region edits on one item (issue 17): a box drawn, moved, resized, retyped,
/// removed, or marked "not damage" and restored. Each edit records the regions as they were before it. A change that is
/// not the associate's (a new suggestion replacing the model's regions) starts the history afresh, so undo never brings
/// back a region the model has withdrawn.
/// </summary>
public sealed class RegionHistory
{
    /// <summary>Enough for an item's worth of fiddling; the oldest steps go first.</summary>
    public const int MaxSteps = 100;

    private readonly LinkedList<Snapshot> _undo = new();
    private readonly Stack<Snapshot> _redo = new();

    private sealed record State(RegionEdit Region, DamageType Type, int[] Box, bool Deleted, bool Confirmed);

    private sealed record Snapshot(IReadOnlyList<State> States);

    public bool CanUndo => _undo.Count > 0;

    public bool CanRedo => _redo.Count > 0;

    /// <summary>Call before an edit: the regions as they are now become the step undo returns to.</summary>
    public void Record(IReadOnlyList<RegionEdit> regions)
    {
        _undo.AddLast(Take(regions));
        if (_undo.Count > MaxSteps)
        {
            _undo.RemoveFirst();
        }
        _redo.Clear();
    }

    /// <summary>Puts the regions back as they were before the last edit; false when there is nothing to undo.</summary>
    public bool Undo(List<RegionEdit> regions)
    {
        ArgumentNullException.ThrowIfNull(regions);
        if (_undo.Last is not { } last)
        {
            return false;
        }
        _undo.RemoveLast();
        _redo.Push(Take(regions));
        Restore(regions, last.Value);
        return true;
    }

    /// <summary>Does again what the last undo took back; false when there is nothing to redo.</summary>
    public bool Redo(List<RegionEdit> regions)
    {
        ArgumentNullException.ThrowIfNull(regions);
        if (!_redo.TryPop(out var next))
        {
            return false;
        }
        _undo.AddLast(Take(regions));
        Restore(regions, next);
        return true;
    }

    public void Clear()
    {
        _undo.Clear();
        _redo.Clear();
    }

    private static Snapshot Take(IReadOnlyList<RegionEdit> regions) =>
        new([.. regions.Select(r => new State(r, r.Type, r.Box, r.Deleted, r.Confirmed))]);

    private static void Restore(List<RegionEdit> regions, Snapshot snapshot)
    {
        regions.Clear();
        foreach (var state in snapshot.States)
        {
            state.Region.Type = state.Type;
            state.Region.Box = state.Box;
            state.Region.Deleted = state.Deleted;
            state.Region.Confirmed = state.Confirmed;
            regions.Add(state.Region);
        }
    }
}
