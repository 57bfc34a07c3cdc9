using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Items;
using Returns.Grader.Web.Features.Photos;

namespace Returns.Grader.UnitTests.Station;

/// <summary>
/// The station page through the real services of an app on a real SQLite file (the app's own container is bUnit's
/// fallback); manual mode unless a test class passes its own app. station.js is the boundary: its calls are recorded,
/// and a test may set what it answers.
/// </summary>
public abstract class StationPageTestBase : BunitTestBase
{
    protected static readonly Actor Grader = new("test:grader", "Test Grader", Roles.Grader);

    protected GraderAppFactory App { get; }

    protected BunitJSModuleInterop StationJs { get; }

    protected StationPageTestBase(GraderAppFactory? app = null)
    {
        App = app ?? new GraderAppFactory { Settings = { ["Grader:Vision:ModelDirectory"] = "" } };
        Services.AddFallbackServiceProvider(App.Services);
        StationJs = JSInterop.SetupModule("/assets/js/station.js");
    }

    protected override ValueTask DisposeTestAsync() => App.DisposeAsync();

    /// <summary>A manual-mode app whose database contexts also run <paramref name="interceptor"/>: a test's hold on, or
    /// failure of, one database call that a real SQLite file cannot be made to do on cue.</summary>
    protected static GraderAppFactory ManualAppWith(Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor interceptor) => new()
    {
        Settings = { ["Grader:Vision:ModelDirectory"] = "" },
        TestServices = services => services.ConfigureDbContext<SqliteGraderDb>(o => o.AddInterceptors(interceptor)),
    };

    protected T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    protected async Task<(string Plate, ReturnItem Item)> CreateItemAsync()
    {
        var plate = ApiJson.UniquePlate("BU");
        var item = await Service<ReturnItems>().CreateAsync(new CreateReturnRequest(plate, "SKU-1", "Kettle", "Appliances", 30m), Grader, CancellationToken.None);
        return (plate, item);
    }

    /// <summary>A new item with one photo (640×480), added as the upload endpoint adds it.</summary>
    protected async Task<(Guid ItemId, string Plate, Guid PhotoId)> ItemWithPhotoAsync()
    {
        var (plate, item) = await CreateItemAsync();
        var added = await Service<PhotoIntake>().AddAsync(item.Id, [new IncomingPhoto("p.jpg", TestPhotos.PhotoLikeJpeg(640, 480))], Grader, CancellationToken.None);
        return (item.Id, plate, added!.Single().Photo.Id);
    }

    /// <summary>A new item with the sample photo the shipped model prefills (Unsellable) and boxes, added as the upload
    /// endpoint adds it: for a test class whose app has the shipped model.</summary>
    protected async Task<(Guid ItemId, string Plate)> PrefilledItemAsync()
    {
        var (plate, item) = await CreateItemAsync();
        await Service<PhotoIntake>().AddAsync(item.Id, [new IncomingPhoto("u.jpg", TestPhotos.ProductJpeg())], Grader, CancellationToken.None);
        return (item.Id, plate);
    }

    protected IRenderedComponent<Web.Features.Station.Station> RenderStation()
    {
        var station = Render<Web.Features.Station.Station>();
        station.WaitForAssertion(() => Assert.False(station.Find("#scan").HasAttribute("disabled")));
        return station;
    }

    /// <summary>Types the plate into the scan field and presses Enter, as a scanner does.</summary>
    /// <remarks>The scan field binds on change (not Immediate), which the browser fires before the Enter's submit;
    /// ChangeAsync waits for MudTextField's handler, so the submit sees the plate.</remarks>
    protected static async Task ScanAsync(IRenderedComponent<Web.Features.Station.Station> station, string plate)
    {
        await station.Find("#scan").ChangeAsync(plate);
        station.Find("form.scan-form").Submit();
    }

    protected static async Task OpenAsync(IRenderedComponent<Web.Features.Station.Station> station, string plate)
    {
        await ScanAsync(station, plate);
        station.WaitForAssertion(() => Assert.Equal(plate, station.Find("[data-testid=item-return-id]").TextContent));
    }

    /// <summary>A new station page with the plate scanned and its item open.</summary>
    protected async Task<IRenderedComponent<Web.Features.Station.Station>> OpenAtTheStationAsync(string plate)
    {
        var station = RenderStation();
        await OpenAsync(station, plate);
        return station;
    }

    protected async Task<int> DecisionCountAsync(Guid itemId)
    {
        await using var db = await Service<IDbContextFactory<GraderDb>>().CreateDbContextAsync();
        return await db.GradeDecisions.CountAsync(d => d.ReturnItemId == itemId);
    }

    /// <summary>The draft the station wrote to the tab's storage last, once it holds <paramref name="holds"/>.</summary>
    protected string StoredDraft(IRenderedComponent<Web.Features.Station.Station> station, string holds)
    {
        string? stored = null;
        station.WaitForAssertion(() =>
        {
            stored = StationJs.Invocations.Where(i => i.Identifier == "saveDraft").Select(i => i.Arguments[1] as string).LastOrDefault();
            Assert.Contains(holds, stored);
        });
        return stored!;
    }

    /// <summary>A reload: a new page whose session storage still has the draft, with the draft's item open again.</summary>
    protected IRenderedComponent<Web.Features.Station.Station> Reload(IRenderedComponent<Web.Features.Station.Station> station, string plate, string stored)
    {
        station.Dispose();
        StationJs.Setup<string?>("loadDraft", _ => true).SetResult(stored);
        var reloaded = RenderStation();
        reloaded.WaitForAssertion(() => Assert.Equal(plate, reloaded.Find("[data-testid=item-return-id]").TextContent));
        return reloaded;
    }

    protected IRenderedComponent<Web.Features.Station.Station> ReloadWithTheDraft(IRenderedComponent<Web.Features.Station.Station> station, string plate, string holds) =>
        Reload(station, plate, StoredDraft(station, holds));
}
