using System.Text.RegularExpressions;
using Returns.Grader.TestSupport;

namespace Returns.Grader.UnitTests.Architecture;

/// <summary>
/// Which feature folder of the web project uses which (issue 16), read from the sources: a file in Features/A that names
/// namespace <c>Features.B</c> (a using, a qualified name) or writes <c>B.SomeType</c> depends on B. Data must depend on
/// no feature, and no new pair of features may point at each other. The pairs that still do are listed below as debts
/// to pay: the list may only shrink (a pair that no longer points both ways must be struck from it).
/// </summary>
public sealed partial class FeatureDependencyTests
{
    /// <summary>Cycles that existed when this test was written (2026-12-03); the Decisions area of issue 16 removes them.</summary>
    private static readonly HashSet<(string, string)> KnownCycles =
    [
        ("Grading", "Items"), ("Grading", "Models"), ("Grading", "Review"), ("Items", "Review"), ("Quality", "Review"),
    ];

    private static string WebProject => Path.Combine(RepositoryPaths.Root, "src", "Returns.Grader.Web");

    private static IReadOnlyList<string> Areas =>
        [.. Directory.GetDirectories(Path.Combine(WebProject, "Features")).Select(Path.GetFileName).OfType<string>()];

    private static HashSet<string> DependenciesOf(string folder, string? self)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(folder, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var text = Comments().Replace(File.ReadAllText(file), "");
            foreach (var area in Areas.Where(a => a != self))
            {
                if (Regex.IsMatch(text, $@"Features\.{area}\b") || (self is not null && Regex.IsMatch(text, $@"(?<![\w.]){area}\.[A-Z]")))
                {
                    found.Add(area);
                }
            }
        }
        return found;
    }

    [Fact]
    public void Data_DependsOnNoFeature()
    {
        Assert.Empty(DependenciesOf(Path.Combine(WebProject, "Data"), self: null));
    }

    [Fact]
    public void NoNewPairOfFeatures_PointsAtEachOther_AndPaidDebtsAreStruck()
    {
        var edges = Areas.ToDictionary(a => a, a => DependenciesOf(Path.Combine(WebProject, "Features", a), a));
        var cycles = edges.SelectMany(e => e.Value.Where(b => edges[b].Contains(e.Key)).Select(b => Pair(e.Key, b))).ToHashSet();

        Assert.True(cycles.IsSubsetOf(KnownCycles), $"New cycles between feature folders: {string.Join(", ", cycles.Except(KnownCycles))}");
        Assert.True(KnownCycles.IsSubsetOf(cycles), $"No longer cycles (strike them from KnownCycles): {string.Join(", ", KnownCycles.Except(cycles))}");
    }

    [Fact]
    public void NoFeature_ReachesIntoTheStationPage()
    {
        var users = Areas.Where(a => a != "Station" && DependenciesOf(Path.Combine(WebProject, "Features", a), a).Contains("Station")).ToList();
        Assert.Empty(users);
    }

    private static (string, string) Pair(string a, string b) => string.CompareOrdinal(a, b) < 0 ? (a, b) : (b, a);

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|@\*.*?\*@", RegexOptions.Singleline)]
    private static partial Regex Comments();
}
