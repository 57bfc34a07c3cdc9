using System.Text.Json;
using Returns.Grader.Web.Features.Quality;

namespace Returns.Grader.TestSupport;

/// <summary>
/// Compares two quality reports figure by figure: where they came from, the filter and the live queue are left out; numbers
/// agree within a relative 1e-9 (the daily counts and the live queries add the same doubles in a different order).
/// </summary>
public static class ReportComparison
{
    public static IReadOnlyList<string> Differences(QualityReport expected, QualityReport actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        var differences = new List<string>();
        Compare(Figures(expected), Figures(actual), "$", differences);
        return differences;
    }

    private static JsonElement Figures(QualityReport report) => JsonSerializer.SerializeToElement(report with
    {
        Source = "", Filter = new QualityFilter(), Queue = new QueueStats(0, 0, 0, 0, new Dictionary<string, long>()),
    }, JsonSerializerOptions.Web);

    private static void Compare(JsonElement a, JsonElement b, string path, List<string> differences)
    {
        if (differences.Count >= 20)
        {
            return;
        }
        if (a.ValueKind != b.ValueKind)
        {
            differences.Add($"{path}: {a} vs {b}");
            return;
        }
        switch (a.ValueKind)
        {
            case JsonValueKind.Object:
                var names = a.EnumerateObject().Select(p => p.Name).Union(b.EnumerateObject().Select(p => p.Name));
                foreach (var name in names)
                {
                    if (!a.TryGetProperty(name, out var x) || !b.TryGetProperty(name, out var y))
                    {
                        differences.Add($"{path}.{name}: missing on one side");
                        continue;
                    }
                    Compare(x, y, $"{path}.{name}", differences);
                }
                break;
            case JsonValueKind.Array:
                if (a.GetArrayLength() != b.GetArrayLength())
                {
                    differences.Add($"{path}: {a.GetArrayLength()} vs {b.GetArrayLength()} entries");
                    return;
                }
                for (var i = 0; i < a.GetArrayLength(); i++)
                {
                    Compare(a[i], b[i], $"{path}[{i}]", differences);
                }
                break;
            case JsonValueKind.Number:
                double p = a.GetDouble(), q = b.GetDouble();
                if (Math.Abs(p - q) > 1e-9 * Math.Max(1, Math.Max(Math.Abs(p), Math.Abs(q))))
                {
                    differences.Add($"{path}: {p} vs {q}");
                }
                break;
            default:
                if (a.ToString() != b.ToString())
                {
                    differences.Add($"{path}: {a} vs {b}");
                }
                break;
        }
    }
}
