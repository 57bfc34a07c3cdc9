using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Models;

namespace Returns.Grader.UnitTests.Station;

/// <summary>
/// The model in use changes while an item is open (a promotion on another node, followed here): the station kept the
/// retired model's grade selected and its boxes on the form, said "grade it yourself" under them once it re-rendered, and
/// saved them (two-node browser pass, 2026-12-07). What the retired model filled in is withdrawn, and said so.
/// </summary>
public sealed class RetiredModelPrefillTests() : StationPageTestBase(new GraderAppFactory())
{
    private static readonly Actor DataScientist = new("test:data", "Test Data", Roles.DataScientist);

    private async Task PromoteAnotherVersionAsync()
    {
        var registry = Service<ModelRegistry>();
        var twin = await Models.ShippedModelTwin.RegisterAsync(registry, Service<SamplePhoto>(), DataScientist, "9.9.9-retire-test");
        await registry.ChangeStateAsync(twin.Id, ModelState.Active, DataScientist, CancellationToken.None);
    }

    [Fact]
    public async Task APromotionWhileAnItemIsOpen_WithdrawsWhatTheOldModelFilledIn()
    {
        var (itemId, plate) = await PrefilledItemAsync();
        var station = await OpenAtTheStationAsync(plate);
        station.WaitForAssertion(() => Assert.Single(station.FindAll("[data-grade][aria-checked=true]"))); // the premise: prefilled
        Assert.NotEmpty(station.FindAll("[data-testid=regions] .region-row[data-region-source=model]"));

        await PromoteAnotherVersionAsync();

        station.WaitForAssertion(() => Assert.Contains("The model in use changed", station.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal));
        Assert.Empty(station.FindAll("[data-grade][aria-checked=true]"));
        Assert.Empty(station.FindAll("[data-testid=regions] .region-row[data-region-source=model]"));
        Assert.Contains("Pick a grade", station.Markup, StringComparison.Ordinal); // Save waits for a grade the associate picks
    }

    /// <summary>What the associate chose stays through the change: their grade and note; only the model's unchecked boxes go.</summary>
    [Fact]
    public async Task APromotionWhileAnItemIsOpen_KeepsWhatTheAssociateChose()
    {
        var (itemId, plate) = await PrefilledItemAsync();
        var station = await OpenAtTheStationAsync(plate);
        station.WaitForAssertion(() => Assert.Single(station.FindAll("[data-grade][aria-checked=true]")));
        station.Find("[data-grade=LikeNew]").Click(); // the rubric's grade once the model's boxes go: Save needs no reason

        await PromoteAnotherVersionAsync();

        station.WaitForAssertion(() => Assert.Empty(station.FindAll("[data-testid=regions] .region-row[data-region-source=model]")));
        Assert.Equal("true", station.Find("[data-grade=LikeNew]").GetAttribute("aria-checked"));
        await station.InvokeAsync(() => station.Instance.OnSubmitKey());
        station.WaitForAssertion(() => Assert.Equal(1, DecisionCountAsync(itemId).GetAwaiter().GetResult()));
    }
}
