using Returns.Grader.Web.Data;

namespace Returns.Grader.Web.Components.Grading;

/// <summary>
/// What the region keys do, the same on the station and the review page (issue 17): N/P choose the next or previous
/// region (wrapping), A keeps the chosen one as damage, R marks it not damage (a box the person drew goes entirely),
/// Shift+1..6 sets its damage type in the rubric's order. A key never acts on a region nobody chose, and every change
/// is recorded first, so Ctrl+Z takes it back.
/// </summary>
public static class RegionKeys
{
    /// <summary>
    /// A region key as the page's script sends it: "next"/"previous" choose (<see cref="Step"/>), "accept", "reject" and
    /// "type" act on the chosen region (<see cref="Apply"/>). Returns the region chosen afterwards.
    /// </summary>
    public static RegionEdit? Press(string action, int typeNumber, List<RegionEdit> regions, RegionEdit? chosen, RegionHistory history) =>
        action is "next" or "previous"
            ? Step(regions, chosen, action == "next" ? 1 : -1)
            : Apply(action, typeNumber, regions, chosen, history);

    /// <summary>The region N (step 1) or P (step −1) chooses: the first or last when none is chosen yet.</summary>
    public static RegionEdit? Step(List<RegionEdit> regions, RegionEdit? chosen, int step)
    {
        ArgumentNullException.ThrowIfNull(regions);
        if (regions.Count == 0)
        {
            return null;
        }
        var at = chosen is null ? -1 : regions.IndexOf(chosen); // RegionEdit has reference equality
        return regions[at < 0 ? (step > 0 ? 0 : regions.Count - 1) : (at + Math.Sign(step) + regions.Count) % regions.Count];
    }

    /// <summary>
    /// Applies "accept", "reject" or "type" (with its 1-based <paramref name="typeNumber"/>) to the chosen region.
    /// Returns the region still chosen afterwards: null when R removed a drawn box (or nothing was chosen).
    /// </summary>
    public static RegionEdit? Apply(string action, int typeNumber, List<RegionEdit> regions, RegionEdit? chosen, RegionHistory history)
    {
        ArgumentNullException.ThrowIfNull(regions);
        ArgumentNullException.ThrowIfNull(history);
        if (chosen is null || !regions.Contains(chosen))
        {
            return null;
        }
        var types = Enum.GetValues<DamageType>();
        switch (action)
        {
            case "accept" when chosen.Deleted:
                Toggle(regions, chosen, history);
                break;
            case "accept" when !chosen.Confirmed && !chosen.DrawnByAssociate:
                // A person says this box is damage: saved as accepted, no longer the model's alone. Not recorded for undo:
                // on the review page a recorded edit counts as changing the grader's choices and stops Approve (review).
                chosen.Confirmed = true;
                break;
            case "reject" when chosen.DrawnByAssociate:
                Remove(regions, chosen, history);
                return null;
            case "reject" when !chosen.Deleted:
                Toggle(regions, chosen, history);
                break;
            case "type" when !chosen.Deleted && typeNumber >= 1 && typeNumber <= types.Length:
                Retype(regions, chosen, types[typeNumber - 1], history);
                break;
        }
        return chosen;
    }

    /// <summary>"Not damage" (kept as deleted with the decision) or restored.</summary>
    public static void Toggle(List<RegionEdit> regions, RegionEdit region, RegionHistory history)
    {
        ArgumentNullException.ThrowIfNull(region);
        ArgumentNullException.ThrowIfNull(history);
        history.Record(regions);
        region.Deleted = !region.Deleted;
        region.Confirmed |= !region.Deleted; // restored as damage by a person
    }

    /// <summary>A new damage type; nothing is recorded when it is the type the region already has.</summary>
    public static void Retype(List<RegionEdit> regions, RegionEdit region, DamageType type, RegionHistory history)
    {
        ArgumentNullException.ThrowIfNull(region);
        ArgumentNullException.ThrowIfNull(history);
        if (region.Type != type)
        {
            history.Record(regions);
            region.Type = type;
        }
    }

    /// <summary>A region the person drew goes entirely.</summary>
    public static void Remove(List<RegionEdit> regions, RegionEdit region, RegionHistory history)
    {
        ArgumentNullException.ThrowIfNull(regions);
        ArgumentNullException.ThrowIfNull(history);
        history.Record(regions);
        regions.Remove(region);
    }
}
