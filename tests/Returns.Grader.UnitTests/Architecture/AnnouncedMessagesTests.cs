using System.Text.RegularExpressions;
using Returns.Grader.TestSupport;

namespace Returns.Grader.UnitTests.Architecture;

/// <summary>
/// Every message box on a page says how a screen reader announces it (keyboard and accessibility audit, 2026-12-05):
/// MudAlert renders no role, so refusals, the unsaved-choices guard and upload errors appeared in silence. Errors and
/// warnings are <c>role="alert"</c>, the rest <c>role="status"</c>. Read from the sources, so a new page cannot forget it.
/// </summary>
public sealed partial class AnnouncedMessagesTests
{
    [Fact]
    public void EveryMudAlert_HasARole_AlertForErrorsAndWarnings()
    {
        var web = Path.Combine(RepositoryPaths.Root, "src", "Returns.Grader.Web");
        var alerts = Directory.EnumerateFiles(web, "*.razor", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => MudAlert().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Tag: m.Value)))
            .ToList();

        Assert.True(alerts.Count >= 20, $"found only {alerts.Count} MudAlerts: the pattern no longer finds them");
        Assert.Empty(alerts.Where(a => !a.Tag.Contains(" role=", StringComparison.Ordinal)).Select(a => a.File));
        Assert.Empty(alerts.Where(a => (a.Tag.Contains("Severity.Error\"", StringComparison.Ordinal) || a.Tag.Contains("Severity.Warning\"", StringComparison.Ordinal))
            && !a.Tag.Contains("role=\"alert\"", StringComparison.Ordinal)).Select(a => a.File));
    }

    [GeneratedRegex("<MudAlert\\b[^>]*>", RegexOptions.CultureInvariant)]
    private static partial Regex MudAlert();
}
