namespace Returns.Grader.Web.Components.Grading;

/// <summary>
/// The boxes a form took off photos that no longer count for the item (set aside: ADR 0052), by photo, as the form left
/// them: putting the photo back brings them back as they were (a box rejected stays rejected). The station and the
/// review page each keep one for their form.
/// </summary>
public sealed class SetAsideBoxes
{
    private readonly Dictionary<Guid, List<RegionEdit>> _byPhoto = [];

    /// <summary>Every box kept aside.</summary>
    public IEnumerable<RegionEdit> All => _byPhoto.Values.SelectMany(boxes => boxes);

    /// <summary>Takes the boxes on photos that do not count off <paramref name="regions"/> and keeps them; returns them.</summary>
    public List<RegionEdit> TakeOff(List<RegionEdit> regions, Func<Guid, bool> counts)
    {
        ArgumentNullException.ThrowIfNull(regions);
        ArgumentNullException.ThrowIfNull(counts);
        var off = regions.Where(r => !counts(r.PhotoId)).ToList();
        foreach (var photo in off.GroupBy(r => r.PhotoId))
        {
            _byPhoto[photo.Key] = [.. photo];
        }
        regions.RemoveAll(off.Contains);
        return off;
    }

    /// <summary>The boxes kept aside with the photo, no longer kept; false when none were.</summary>
    public bool TryTakeBack(Guid photoId, out List<RegionEdit> boxes)
    {
        var kept = _byPhoto.Remove(photoId, out var found);
        boxes = found ?? [];
        return kept;
    }

    /// <summary>The boxes kept aside with the photos <paramref name="which"/> picks, no longer kept.</summary>
    public List<RegionEdit> TakeBack(Func<Guid, bool> which)
    {
        ArgumentNullException.ThrowIfNull(which);
        var photos = _byPhoto.Keys.Where(which).ToList();
        var boxes = photos.SelectMany(photo => _byPhoto[photo]).ToList();
        photos.ForEach(photo => _byPhoto.Remove(photo));
        return boxes;
    }

    public void Clear() => _byPhoto.Clear();
}
