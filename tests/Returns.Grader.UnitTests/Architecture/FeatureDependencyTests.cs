using System.Text.RegularExpressions;
using Returns.Grader.TestSupport;

namespace Returns.Grader.UnitTests.Architecture;

/// <summary>
/// Which feature folder of the web project uses which (issue 16), read from the sources: a file in Features/A that names
/// namespace <c>Features.B</c> (a using, a qualified name) or writes <c>B.SomeType</c> depends on B. Data depends on no
/// feature, and the features depend one way (ADR 0027): no cycle of any length among them, so that a change to one
/// area ripples only towards the areas above it.
/// </summary>
public sealed partial class FeatureDependencyTests
{
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
    public void Features_DependOneWay_WithNoCycleOfAnyLength()
    {
        var edges = Areas.ToDictionary(a => a, a => DependenciesOf(Path.Combine(WebProject, "Features", a), a));
        var cycles = Cycles(edges);
        Assert.True(cycles.Count == 0, "Feature folders that depend on each other (through the areas in between): "
            + string.Join("; ", cycles.Select(c => string.Join(" -> ", c.Append(c[0])))));
    }

    [Fact]
    public void CycleFinder_FindsALongCycle_AndNoneInALayeredGraph()
    {
        // the check above is only as good as this search: a three-area loop is found, a layered graph passes
        var loop = new Dictionary<string, HashSet<string>> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["A"], ["D"] = ["A"] };
        var layered = new Dictionary<string, HashSet<string>> { ["A"] = ["B", "C"], ["B"] = ["C"], ["C"] = [] };
        Assert.Equal(["A", "B", "C"], Assert.Single(Cycles(loop)));
        Assert.Empty(Cycles(layered));
    }

    [Fact]
    public void TheFeaturesImportsFile_BringsInNoFeature()
    {
        // a namespace imported for every page of every area would hide their dependencies from the check above
        var imports = File.ReadAllText(Path.Combine(WebProject, "Features", "_Imports.razor"));
        Assert.DoesNotMatch(@"Features\.\w+", imports);
    }

    [Fact]
    public void NoFeature_ReachesIntoTheStationPage()
    {
        var users = Areas.Where(a => a != "Station" && DependenciesOf(Path.Combine(WebProject, "Features", a), a).Contains("Station")).ToList();
        Assert.Empty(users);
    }

    /// <summary>One cycle per strongly connected group of areas (Tarjan's algorithm), each listed from its first area in order.</summary>
    private static List<List<string>> Cycles(IReadOnlyDictionary<string, HashSet<string>> edges)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var groups = new List<List<string>>();
        void Visit(string area)
        {
            index[area] = low[area] = index.Count;
            stack.Push(area);
            foreach (var next in edges.GetValueOrDefault(area) ?? [])
            {
                if (!index.TryGetValue(next, out var seen))
                {
                    Visit(next);
                    low[area] = Math.Min(low[area], low[next]);
                }
                else if (stack.Contains(next))
                {
                    low[area] = Math.Min(low[area], seen);
                }
            }
            if (low[area] == index[area])
            {
                var group = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    group.Add(member);
                }
                while (member != area);
                if (group.Count > 1)
                {
                    groups.Add([.. group.Order(StringComparer.Ordinal)]);
                }
            }
        }
        foreach (var area in edges.Keys.Order(StringComparer.Ordinal).Where(a => !index.ContainsKey(a)))
        {
            Visit(area);
        }
        return groups;
    }

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|@\*.*?\*@", RegexOptions.Singleline)]
    private static partial Regex Comments();
}
