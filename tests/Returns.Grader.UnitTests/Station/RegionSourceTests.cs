using Bunit;
using Microsoft.EntityFrameworkCore;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;

namespace Returns.Grader.UnitTests.Station;

/// <summary>
/// The model's boxes as the decision stores them (exploratory browser pass, 2026-12-06): Enter on a prefilled item stored
/// every box the model drew as "accepted", exactly as A on it did, and exports gave them as boxes a person had checked.
/// Untouched, a box is stored as the model's; A makes it accepted. With the shipped model on the sample it boxes.
/// </summary>
public sealed class RegionSourceTests() : StationPageTestBase(new GraderAppFactory())
{
    [Fact]
    public async Task BoxesLeftAsSuggested_AreStoredAsTheModels_AndABoxAcceptedWithA_AsAccepted()
    {
        var (itemId, plate) = await PrefilledItemAsync();
        var station = await OpenAtTheStationAsync(plate);
        station.WaitForAssertion(() => Assert.True(station.FindAll("[data-testid=regions] .region-row").Count >= 2, "the premise: the model boxes two regions or more"));
        Assert.All(station.FindAll("[data-testid=regions] .region-row"), row => Assert.Equal("model", row.GetAttribute("data-region-source")));

        await station.InvokeAsync(() => station.Instance.OnRegionKey("next", 0));
        await station.InvokeAsync(() => station.Instance.OnRegionKey("accept", 0));
        station.WaitForAssertion(() => Assert.Equal("accepted", station.FindAll("[data-testid=regions] .region-row")[0].GetAttribute("data-region-source")));
        await station.InvokeAsync(() => station.Instance.OnSubmitKey());
        station.WaitForAssertion(() => Assert.Empty(station.FindAll("[data-testid=item]")));

        await using var db = await Service<IDbContextFactory<GraderDb>>().CreateDbContextAsync();
        var sources = await db.DamageRegions.Where(r => r.Decision!.ReturnItemId == itemId).OrderBy(r => r.Id).Select(r => r.Source).ToListAsync();
        Assert.Equal(1, sources.Count(s => s == RegionSource.Accepted));
        Assert.Equal(sources.Count - 1, sources.Count(s => s == RegionSource.Model));
    }
}
