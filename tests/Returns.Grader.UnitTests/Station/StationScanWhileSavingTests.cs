using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Returns.Grader.Web.Data;

namespace Returns.Grader.UnitTests.Station;

/// <summary>
/// A plate scanned the moment Save was pressed, while the save is still on its way to the database: it was lost (its
/// first characters, in a clean-clone browser run, 2026-12-06). It opens once the save is done, and the save keeps the
/// grade the associate chose. The database is real; the save is held at EF Core's SaveChanges until the test lets it go,
/// standing in for a database that takes its time (SQLite's own busy wait blocks the thread, so nothing could arrive).
/// </summary>
public sealed class StationScanWhileSavingTests()
    : StationPageTestBase(ManualAppWith(Gate))
{
    private static readonly SaveGate Gate = new();

    [Fact]
    public async Task APlateScannedWhileASaveIsUnderWay_OpensOnceTheSaveIsDone()
    {
        var (station, first, firstItem, second, held, saving) = await ScannedWhileTheSaveIsHeldAsync();
        Assert.Equal(first, station.Find("[data-testid=item-return-id]").TextContent);
        held.Release();
        await saving;

        station.WaitForAssertion(() => Assert.Equal(second, station.Find("[data-testid=item-return-id]").TextContent), TimeSpan.FromSeconds(15));
        await using var db = await Service<IDbContextFactory<GraderDb>>().CreateDbContextAsync();
        Assert.Equal(Grade.LikeNew, Assert.Single(await db.GradeDecisions.Where(d => d.ReturnItemId == firstItem.Id).Select(d => d.Grade).ToListAsync()));
        Assert.Empty(station.FindAll("[data-grade][aria-checked=true]"));
    }

    /// <summary>
    /// Photos dropped while the item is being saved, and the next plate has been scanned, are for neither: the item on
    /// screen is on its way out (a photo after the grade is not in it), and the next has not shown. They went to the item
    /// on screen (review of the station). Once the next item shows, its photos are taken.
    /// </summary>
    [Fact]
    public async Task PhotosDroppedDuringTheSave_AreNotTakenForTheItemOnScreen_ThoseForTheNextItemAre()
    {
        var (station, _, firstItem, second, held, saving) = await ScannedWhileTheSaveIsHeldAsync();

        Assert.False(await station.InvokeAsync(() => station.Instance.TakesPhotosFor(firstItem.Id.ToString(), ["u1"], ["p.jpg"])));
        Assert.Empty(station.FindAll("[data-testid=upload-list]")); // refused: nothing on its way

        held.Release();
        await saving;
        station.WaitForAssertion(() => Assert.Equal(second, station.Find("[data-testid=item-return-id]").TextContent), TimeSpan.FromSeconds(15));
        Assert.False(await station.InvokeAsync(() => station.Instance.TakesPhotosFor(firstItem.Id.ToString(), ["u1"], ["p.jpg"])));
        var shown = station.Find("[data-photo-drop]").GetAttribute("data-item-id");
        Assert.True(await station.InvokeAsync(() => station.Instance.TakesPhotosFor(shown, ["u2"], ["p.jpg"])));
    }

    /// <summary>
    /// A save that fails (here: the database refuses it, as a full disk would) says so in words; a plate scanned
    /// meanwhile used to open at once and clear those words before anyone read them. It waits in the scan field.
    /// </summary>
    [Fact]
    public async Task APlateScannedDuringASaveThatFails_WaitsInTheScanField_AndTheErrorStays()
    {
        var (station, first, firstItem, second, held, saving) = await ScannedWhileTheSaveIsHeldAsync();
        held.Refuse(new IOException("disk full (test)"));
        await saving;

        station.WaitForAssertion(() => Assert.Contains("nothing was saved", station.Find("[data-testid=station-message]").TextContent), TimeSpan.FromSeconds(15));
        Assert.Equal(first, station.Find("[data-testid=item-return-id]").TextContent);
        Assert.Equal(second, station.Find("#scan").GetAttribute("value"));
        Assert.Equal(0, await DecisionCountAsync(firstItem.Id));
    }

    /// <summary>A first item open and graded Like new, its save held at SaveChanges, and a second item's plate scanned
    /// meanwhile; the test lets the save go on (or fails it) and awaits <c>Saving</c>.</summary>
    private async Task<(IRenderedComponent<Web.Features.Station.Station> Station, string First, ReturnItem FirstItem, string Second, HeldSave Held, Task Saving)>
        ScannedWhileTheSaveIsHeldAsync()
    {
        var (first, firstItem) = await CreateItemAsync();
        var (second, _) = await CreateItemAsync();
        var station = RenderStation();
        await OpenAsync(station, first);
        station.Find("[data-grade=LikeNew]").Click();

        var held = Gate.HoldNextSave();
        var saving = station.Find("button[data-testid=submit]").ClickAsync(new());
        await held.Reached.WaitAsync(TimeSpan.FromSeconds(15));
        await station.InvokeAsync(() => station.Instance.OnScanned(second));
        return (station, first, firstItem, second, held, saving);
    }

    /// <summary>Holds the next SaveChanges until released; every other save goes straight through.</summary>
    private sealed class SaveGate : SaveChangesInterceptor
    {
        private HeldSave? _next;

        public HeldSave HoldNextSave() => _next = new HeldSave();

        public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _next, null) is { } held)
            {
                held.Arrive();
                await held.Released;
            }
            return result;
        }
    }

    private sealed class HeldSave
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Reached => _reached.Task;
        public Task Released => _released.Task;
        public void Arrive() => _reached.TrySetResult();
        public void Release() => _released.TrySetResult();
        public void Refuse(Exception refusal) => _released.TrySetException(refusal);
    }
}
