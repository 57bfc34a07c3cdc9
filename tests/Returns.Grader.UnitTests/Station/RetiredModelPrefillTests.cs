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

    /// <summary>
    /// The promotion made on another node: this node hears of it only by reading the registry's table again (what
    /// <see cref="ModelRegistrySync"/> does on its schedule), and the open station follows it as it follows one made here.
    /// </summary>
    [Fact]
    public async Task APromotionOnAnotherNode_FollowedHere_WithdrawsWhatTheOldModelFilledIn()
    {
        var (_, plate) = await PrefilledItemAsync();
        var station = await OpenAtTheStationAsync(plate);
        station.WaitForAssertion(() => Assert.Single(station.FindAll("[data-grade][aria-checked=true]"))); // the premise: prefilled
        var registry = Service<ModelRegistry>();
        var twin = await Models.ShippedModelTwin.RegisterAsync(registry, Service<SamplePhoto>(), DataScientist, "9.9.9-other-node");

        // The other node's promotion, as it reaches this node: rows in the shared database, nothing said to this registry.
        await using (var db = await Service<Microsoft.EntityFrameworkCore.IDbContextFactory<GraderDb>>().CreateDbContextAsync())
        {
            var now = DateTime.UtcNow;
            foreach (var model in db.RegisteredModels.Where(m => m.State == ModelState.Active || m.Id == twin.Id))
            {
                (model.State, model.StateChangedAt) = (model.Id == twin.Id ? ModelState.Active : ModelState.Retired, now);
            }
            await db.SaveChangesAsync();
        }
        await registry.RefreshAsync(CancellationToken.None); // or the schedule's refresh got there first
        Assert.Equal("9.9.9-other-node", registry.Active?.Manifest.Version);

        station.WaitForAssertion(() => Assert.Contains("The model in use changed", station.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal));
        Assert.Empty(station.FindAll("[data-grade][aria-checked=true]"));
        Assert.Empty(station.FindAll("[data-testid=regions] .region-row[data-region-source=model]"));
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

    /// <summary>
    /// A colleague graded the item while it was open, and the change of model is what makes the station read it again:
    /// their grade is followed as after any re-read, and the retired model's grade, which nobody here chose, is not saved
    /// over it (diff review, 2026-12-07; untested until now).
    /// </summary>
    [Fact]
    public async Task APromotionAfterAColleaguesGrade_ShowsTheirGrade_AndSavesNothingOverIt()
    {
        var (itemId, plate) = await PrefilledItemAsync();
        var station = await OpenAtTheStationAsync(plate);
        station.WaitForAssertion(() => Assert.Equal("true", station.Find("[data-grade=Unsellable]").GetAttribute("aria-checked"))); // the premise
        await Service<Web.Features.Decisions.DecisionLedger>().DecideAsync(itemId,
            new Web.Features.Decisions.GradeRequest("Good", "resell_used", [], null, ContradictionReason: "checked"),
            new Actor("test:colleague", "A Colleague", Roles.Grader), CancellationToken.None);

        await PromoteAnotherVersionAsync();

        station.WaitForAssertion(() => Assert.Contains("by A Colleague while it was open here", station.Find("[data-testid=station-message]").TextContent, StringComparison.Ordinal));
        Assert.Equal("true", station.Find("[data-grade=Good]").GetAttribute("aria-checked"));
        Assert.Equal("false", station.Find("[data-grade=Unsellable]").GetAttribute("aria-checked"));
        await station.InvokeAsync(() => station.Instance.OnSubmitKey());
        station.WaitForAssertion(() => Assert.Empty(station.FindAll("[data-testid=item]")));
        Assert.Equal(1, await DecisionCountAsync(itemId)); // the colleague's grade, and nothing saved over it
    }
}
