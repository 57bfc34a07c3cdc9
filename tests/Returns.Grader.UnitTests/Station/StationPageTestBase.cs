using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Items;

namespace Returns.Grader.UnitTests.Station;

/// <summary>
/// The station page through the real services on a real SQLite file (the app's own container is bUnit's fallback), in
/// manual mode; station.js is the boundary: its calls are recorded, and a test may set what it answers.
/// </summary>
public abstract class StationPageTestBase : BunitTestBase
{
    protected GraderAppFactory App { get; } = new() { Settings = { ["Grader:Vision:ModelDirectory"] = "" } };

    protected BunitJSModuleInterop StationJs { get; }

    protected StationPageTestBase()
    {
        Services.AddFallbackServiceProvider(App.Services);
        StationJs = JSInterop.SetupModule("/assets/js/station.js");
    }

    protected override ValueTask DisposeTestAsync() => App.DisposeAsync();

    protected async Task<(string Plate, ReturnItem Item)> CreateItemAsync()
    {
        var plate = ApiJson.UniquePlate("BU");
        var item = await App.Services.GetRequiredService<ReturnItems>().CreateAsync(
            new CreateReturnRequest(plate, "SKU-1", "Kettle", "Appliances", 30m), new Actor("test:grader", "Test Grader", Roles.Grader), CancellationToken.None);
        return (plate, item);
    }

    protected IRenderedComponent<Web.Features.Station.Station> RenderStation()
    {
        var station = Render<Web.Features.Station.Station>();
        station.WaitForAssertion(() => Assert.False(station.Find("#scan").HasAttribute("disabled")));
        return station;
    }

    /// <summary>Types the plate into the scan field and presses Enter, as a scanner does.</summary>
    protected static void Scan(IRenderedComponent<Web.Features.Station.Station> station, string plate)
    {
        station.Find("#scan").Input(plate);
        station.Find("form.scan-form").Submit();
    }

    protected static void Open(IRenderedComponent<Web.Features.Station.Station> station, string plate)
    {
        Scan(station, plate);
        station.WaitForAssertion(() => Assert.Equal(plate, station.Find("[data-testid=item-return-id]").TextContent));
    }

    protected async Task<int> DecisionCountAsync(Guid itemId)
    {
        var factory = App.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<GraderDb>>();
        await using var db = await factory.CreateDbContextAsync();
        return await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.GradeDecisions, d => d.ReturnItemId == itemId);
    }
}
