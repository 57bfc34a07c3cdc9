namespace Returns.Grader.Web.Components.Grading;

/// <summary>
/// Where each box's label ("Scratch 0.93") goes on the photo, in photo pixels, so that no two labels cover each other
/// and none runs off the photo. The model often finds two regions side by side; labels placed only by their own box
/// were printed over each other, unreadable (exploratory pass, 2026-12-05). Each label tries, in order: above its box,
/// below it, inside its top edge, then lower steps inside the box; the first place clear of the labels already placed
/// wins (the last one tried when none is clear: a crowded photo still shows every label).
/// </summary>
public static class RegionLabels
{
    /// <summary>Width of a label's text as a share of its font size per character: bold sans-serif, generous.</summary>
    private const double CharacterWidth = 0.62;

    /// <summary>The baseline (x, y) of each label, in the order given.</summary>
    public static IReadOnlyList<(int X, int Y)> Place(IReadOnlyList<(int[] Box, string Text)> labels, int photoWidth, int photoHeight, int fontSize)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var placed = new List<(int X, int Y)>(labels.Count);
        var taken = new List<(double Left, double Top, double Right, double Bottom)>(labels.Count);
        foreach (var (box, text) in labels)
        {
            var width = Math.Min(photoWidth, text.Length * fontSize * CharacterWidth);
            var x = (int)Math.Clamp(box[0], 0, Math.Max(0, photoWidth - width));
            (int X, int Y) best = default;
            foreach (var y in Candidates(box, photoHeight, fontSize))
            {
                best = (x, y);
                var area = (Left: (double)x, Top: (double)y - fontSize, Right: x + width, Bottom: (double)y + fontSize * 0.25);
                if (!taken.Any(t => area.Left < t.Right && t.Left < area.Right && area.Top < t.Bottom && t.Top < area.Bottom))
                {
                    break;
                }
            }
            placed.Add(best);
            taken.Add((best.X, best.Y - fontSize, best.X + width, best.Y + fontSize * 0.25));
        }
        return placed;
    }

    /// <summary>Baselines to try for a box's label, best first, each inside the photo.</summary>
    private static IEnumerable<int> Candidates(int[] box, int photoHeight, int fontSize)
    {
        var (top, bottom) = (box[1], box[1] + box[3]);
        if (top - 6 - fontSize >= 0)
        {
            yield return top - 6; // above the box
        }
        if (bottom + fontSize + 2 <= photoHeight)
        {
            yield return bottom + fontSize; // below it
        }
        // Inside, from its top edge down, a line at a time.
        for (var y = top + fontSize + 2; y <= Math.Max(top + fontSize + 2, Math.Min(bottom, photoHeight)); y += fontSize + 2)
        {
            yield return Math.Min(y, photoHeight - 2);
        }
    }
}
