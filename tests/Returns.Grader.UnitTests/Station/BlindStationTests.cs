using Bunit;
using Returns.Grader.TestSupport;

namespace Returns.Grader.UnitTests.Station;

/// <summary>
/// Issue 17 item 4: a blind item showed nothing where the suggestion goes and said nothing, so the station looked
/// broken. It now says plainly that the item is graded without a suggestion (and still shows none).
/// </summary>
public sealed class BlindStationTests() : StationPageTestBase(new GraderAppFactory
{
    Settings =
    {
        ["Grader:Vision:ModelDirectory"] = Path.Combine(RepositoryPaths.Root, "tests", "fixtures", "hf-vit-tiny"), // a model that suggests
        ["Grader:Review:BlindShare"] = "1", // every item blind
    },
})
{
    [Fact]
    public async Task BlindItem_SaysItIsGradedWithoutASuggestion_AndShowsNone()
    {
        var (_, plate, _) = await ItemWithPhotoAsync();

        var station = await OpenAtTheStationAsync(plate);

        Assert.Contains("without a suggestion", station.Find("[data-testid=blind-grading]").TextContent, StringComparison.Ordinal);
        Assert.Empty(station.FindAll("[data-testid=suggestion]"));
        Assert.Empty(station.FindAll(".grade-suggested"));
        Assert.All(station.FindAll("[data-grade]"), button => Assert.Equal("false", button.GetAttribute("aria-checked"))); // nothing prefilled
    }
}
