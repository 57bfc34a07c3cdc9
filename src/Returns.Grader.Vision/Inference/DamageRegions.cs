namespace Returns.Grader.Vision.Inference;

/// <summary>A suggested piece of damage: its type, the model's score, and a box [x, y, w, h] in the photo's pixels.</summary>
public sealed record SuggestedRegion(string Type, double Score, int X, int Y, int Width, int Height);

/// <summary>
/// Damage map → boxes ("threshold-components-v1", the algorithm of models/training/regions.py): per type, cells at or
/// above the threshold, 8-connected components, components smaller than the minimum dropped, each remaining component's
/// cell extent scaled to the photo; score = the highest cell probability in it. Listed by type, then discovery order.
/// </summary>
public static class DamageRegions
{
    /// <param name="probabilities">Sigmoid probabilities, [cells, types] row-major (cell = row * gridWidth + col).</param>
    public static List<SuggestedRegion> Extract(
        ReadOnlySpan<float> probabilities, int gridHeight, int gridWidth, IReadOnlyList<string> types,
        RegionSettings settings, int photoWidth, int photoHeight)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(settings);
        var cells = gridHeight * gridWidth;
        if (probabilities.Length != cells * types.Count)
        {
            throw new ArgumentException($"Expected {cells}×{types.Count} probabilities, got {probabilities.Length}.");
        }
        var cellWidth = (double)photoWidth / gridWidth;
        var cellHeight = (double)photoHeight / gridHeight;
        var regions = new List<SuggestedRegion>();
        var seen = new bool[cells];
        var stack = new Stack<int>();
        for (var k = 0; k < types.Count; k++)
        {
            var threshold = settings.Thresholds[types[k]];
            var minCells = settings.MinCells.GetValueOrDefault(types[k], 1);
            Array.Clear(seen);
            for (var start = 0; start < cells; start++)
            {
                if (seen[start] || probabilities[start * types.Count + k] < threshold)
                {
                    continue;
                }
                int count = 0, r0 = int.MaxValue, r1 = -1, c0 = int.MaxValue, c1 = -1;
                double score = 0;
                seen[start] = true;
                stack.Push(start);
                while (stack.Count > 0)
                {
                    var cell = stack.Pop();
                    var (row, col) = Math.DivRem(cell, gridWidth);
                    count++;
                    (r0, r1, c0, c1) = (Math.Min(r0, row), Math.Max(r1, row), Math.Min(c0, col), Math.Max(c1, col));
                    score = Math.Max(score, probabilities[cell * types.Count + k]);
                    for (var dy = -1; dy <= 1; dy++)
                    {
                        for (var dx = -1; dx <= 1; dx++)
                        {
                            var (y, x) = (row + dy, col + dx);
                            if (y < 0 || y >= gridHeight || x < 0 || x >= gridWidth)
                            {
                                continue;
                            }
                            var next = y * gridWidth + x;
                            if (!seen[next] && probabilities[next * types.Count + k] >= threshold)
                            {
                                seen[next] = true;
                                stack.Push(next);
                            }
                        }
                    }
                }
                if (count < minCells)
                {
                    continue;
                }
                var left = (int)Math.Round(c0 * cellWidth);
                var top = (int)Math.Round(r0 * cellHeight);
                var right = (int)Math.Round((c1 + 1) * cellWidth);
                var bottom = (int)Math.Round((r1 + 1) * cellHeight);
                regions.Add(new SuggestedRegion(types[k], score, left, top, Math.Max(1, right - left), Math.Max(1, bottom - top)));
            }
        }
        return regions;
    }
}
