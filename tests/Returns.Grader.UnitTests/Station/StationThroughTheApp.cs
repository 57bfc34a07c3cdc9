using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Features.Items;
using Returns.Grader.Web.Features.Photos;

namespace Returns.Grader.UnitTests.Station;

/// <summary>The station page rendered through the real services of an app on a real SQLite file (bUnit's fallback).</summary>
public abstract class StationThroughTheApp : BunitTestBase
{
    protected static readonly Actor Grader = new("test:grader", "Test Grader", Roles.Grader);

    protected GraderAppFactory App { get; }

    protected StationThroughTheApp(GraderAppFactory app)
    {
        App = app;
        Services.AddFallbackServiceProvider(app.Services);
        JSInterop.SetupModule("/assets/js/station.js");
    }

    protected override ValueTask DisposeTestAsync() => App.DisposeAsync();

    protected T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    /// <summary>A new item with one photo (640×480), added as the upload endpoint adds it.</summary>
    protected async Task<(Guid ItemId, string Plate, Guid PhotoId)> ItemWithPhotoAsync()
    {
        var plate = ApiJson.UniquePlate("BU");
        var item = await Service<ReturnItems>().CreateAsync(new CreateReturnRequest(plate, "SKU-1", "Kettle", "Appliances", 30m), Grader, CancellationToken.None);
        var added = await Service<PhotoIntake>().AddAsync(item.Id, [new IncomingPhoto("p.jpg", TestPhotos.PhotoLikeJpeg(640, 480))], Grader, CancellationToken.None);
        return (item.Id, plate, added!.Single().Photo.Id);
    }

    /// <summary>Scans the plate as the associate does and waits for the item to open.</summary>
    protected IRenderedComponent<Web.Features.Station.Station> OpenAtTheStation(string plate)
    {
        var station = Render<Web.Features.Station.Station>();
        station.WaitForAssertion(() => Assert.False(station.Find("#scan").HasAttribute("disabled")));
        station.Find("#scan").Input(plate);
        station.Find("form.scan-form").Submit();
        station.WaitForAssertion(() => Assert.Equal(plate, station.Find("[data-testid=item-return-id]").TextContent));
        return station;
    }
}
