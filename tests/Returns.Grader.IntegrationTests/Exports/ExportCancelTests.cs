using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Exports;

namespace Returns.Grader.IntegrationTests.Exports;

/// <summary>
/// An export asked with the wrong filter can be cancelled: a queued one never starts; a running one stops at its next
/// batch, leaves no package and stays cancelled (a finish racing the cancel does not turn it back into "completed").
/// </summary>
public sealed class ExportCancelTests
{
    [Fact]
    public async Task AQueuedExport_Cancelled_NeverStarts_AndIsSaidSoToAnotherCancel()
    {
        // The worker's clock is the test's: the export's minute of settling passes when the test says so.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var app = new GraderAppFactory
        {
            Settings = { ["Grader:Exports:SnapshotSettle"] = "00:01:00" },
            TestServices = services => services.AddSingleton<TimeProvider>(clock),
        };
        var data = app.ApiClient("dev-data");
        var id = (await (await data.PostAsJsonAsync("/api/v1/exports", new { })).ReadJsonAsync()).GetProperty("id").GetString();
        var kept = (await (await data.PostAsJsonAsync("/api/v1/exports", new { })).ReadJsonAsync()).GetProperty("id").GetString();

        Assert.Equal(HttpStatusCode.Forbidden, (await app.ApiClient("dev-grader").PostAsync($"/api/v1/exports/{id}/cancel", null)).StatusCode);
        var cancel = await data.PostAsync($"/api/v1/exports/{id}/cancel", null);

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var cancelled = await cancel.ReadJsonAsync();
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, cancelled.GetProperty("startsAt").ValueKind);
        Assert.Contains("Cancelled by", cancelled.GetProperty("error").GetString(), StringComparison.Ordinal);
        clock.Advance(TimeSpan.FromMinutes(2)); // both settled: the worker runs the one not cancelled, and only that one
        app.Services.GetRequiredService<ExportWorker>().Wake();
        Assert.Equal("completed", (await data.WaitForExportAsync(kept!)).GetProperty("status").GetString());
        var later = await (await data.GetAsync($"/api/v1/exports/{id}")).ReadJsonAsync();
        Assert.Equal("cancelled", later.GetProperty("status").GetString());
        Assert.Equal(0, later.GetProperty("attempts").GetInt32());
        var again = await data.PostAsync($"/api/v1/exports/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("is cancelled", (await again.ReadJsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await data.PostAsync($"/api/v1/exports/{kept}/cancel", null)).StatusCode); // completed
        Assert.Equal(HttpStatusCode.NotFound, (await data.PostAsync($"/api/v1/exports/{Guid.NewGuid()}/cancel", null)).StatusCode);
        var download = await data.GetAsync($"/api/v1/exports/{id}/download");
        Assert.Equal(HttpStatusCode.Conflict, download.StatusCode);
        // not "download it once it is completed": it never will be (multi-node pass, 2026-12-07)
        var refusal = await download.ReadJsonAsync();
        Assert.Contains("was cancelled and has no package to download. Start a new export.", refusal.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("export_cancelled", refusal.GetProperty("reason").GetString());
        Assert.Equal(409, refusal.GetProperty("status").GetInt32()); // the problem's own status, not a second one beside it
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<GraderDb>>().CreateDbContextAsync();
        Assert.Equal(1, await db.AuditEvents.CountAsync(e => e.Action == "export.cancelled" && e.EntityId == id));
    }

    /// <summary>
    /// Cancelled after the package was published and before the job was recorded completed: the finish is refused (the
    /// job stays cancelled, not "completed" with a download) and the package goes.
    /// </summary>
    [Fact]
    public async Task AnExportCancelledAsItsPackageIsPublished_StaysCancelled_AndItsPackageGoes()
    {
        HoldAfterPublish? store = null;
        using var app = new GraderAppFactory
        {
            TestServices = services => services.AddSingleton<IPackageStore>(sp =>
                store = new HoldAfterPublish(new FileSystemPackageStore(sp.GetRequiredService<ExportStorage>()))),
        };
        var data = app.ApiClient("dev-data");
        var id = (await (await data.PostAsJsonAsync("/api/v1/exports", new { })).ReadJsonAsync()).GetProperty("id").GetString();
        await WaitForAsync(() => store is not null);
        await store!.Published.WaitAsync(TimeSpan.FromSeconds(60));
        var exports = Path.Combine(app.DataDirectory, "exports");
        Assert.Single(Directory.GetFiles(exports, "*.zip")); // published, not yet recorded

        Assert.Equal(HttpStatusCode.OK, (await data.PostAsync($"/api/v1/exports/{id}/cancel", null)).StatusCode);
        store.Release();

        await WaitForAsync(() => Directory.GetFiles(exports, "*.zip").Length == 0);
        Assert.Empty(Directory.GetFiles(exports, "*.zip"));
        var after = await (await data.GetAsync($"/api/v1/exports/{id}")).ReadJsonAsync();
        Assert.Equal("cancelled", after.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("downloadUrl").ValueKind);
    }

    /// <summary>
    /// Files a crashed run left (a partial zip, a work folder) are removed once their export has ended, by the worker when
    /// it has nothing to run: a job cancelled after its node died is never run again to clean up (API fuzz, 2026-12-06).
    /// A queued job's files are left alone.
    /// </summary>
    [Fact]
    public async Task FilesACrashedRunLeft_AreRemovedOnceItsExportHasEnded_AndAQueuedOnesStay()
    {
        using var app = new GraderAppFactory { Settings = { ["Grader:Exports:SnapshotSettle"] = "00:01:00" } };
        var data = app.ApiClient("dev-data");
        var waiting = (await (await data.PostAsJsonAsync("/api/v1/exports", new { })).ReadJsonAsync()).GetProperty("name").GetString()!;
        var cancelled = await (await data.PostAsJsonAsync("/api/v1/exports", new { })).ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, (await data.PostAsync($"/api/v1/exports/{cancelled.GetProperty("id").GetString()}/cancel", null)).StatusCode);
        var storage = app.Services.GetRequiredService<ExportStorage>();
        foreach (var name in new[] { waiting, cancelled.GetProperty("name").GetString()! })
        {
            await File.WriteAllTextAsync(storage.PartialPath(name), "half a zip");
            Directory.CreateDirectory(storage.WorkPath(name));
            await File.WriteAllTextAsync(Path.Combine(storage.WorkPath(name), "coco-images.json"), "[");
        }

        Assert.False(await app.Services.GetRequiredService<ExportWorker>().RunNextAsync(CancellationToken.None)); // nothing due: it sweeps

        Assert.False(File.Exists(storage.PartialPath(cancelled.GetProperty("name").GetString()!)));
        Assert.False(Directory.Exists(storage.WorkPath(cancelled.GetProperty("name").GetString()!)));
        Assert.True(File.Exists(storage.PartialPath(waiting)));
        Assert.True(Directory.Exists(storage.WorkPath(waiting)));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    /// <summary>The real store; the first publish, once done, waits for the test.</summary>
    private sealed class HoldAfterPublish(IPackageStore inner) : IPackageStore
    {
        private readonly TaskCompletionSource _published = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Published => _published.Task;

        public void Release() => _released.TrySetResult();

        public async Task PublishAsync(string name, string completedFile, CancellationToken cancellationToken)
        {
            await inner.PublishAsync(name, completedFile, cancellationToken);
            _published.TrySetResult();
            await _released.Task.WaitAsync(cancellationToken);
        }

        public Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken) => inner.OpenReadAsync(name, cancellationToken);

        public Task DeleteAsync(string name, CancellationToken cancellationToken) => inner.DeleteAsync(name, cancellationToken);
    }

    [Fact]
    public async Task ARunningExport_Cancelled_StopsAtItsNextBatch_LeavesNoPackage_AndStaysCancelled()
    {
        var hold = new HoldOneRead();
        using var app = new GraderAppFactory { TestServices = services => services.ConfigureDbContext<SqliteGraderDb>(o => o.AddInterceptors(hold)) };
        var grader = app.ApiClient();
        var data = app.ApiClient("dev-data");
        var category = "Cancel" + Guid.NewGuid().ToString("N")[..6];
        var item = (await grader.CreateItemAsync(ApiJson.UniquePlate("CX"), 30m, category)).GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.Created, (await grader.PostAsync($"/api/v1/returns/{item}/photos",
            ApiJson.PhotoForm(("p.jpg", TestPhotos.PhotoLikeJpeg(640, 480), "image/jpeg")))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await grader.PostAsJsonAsync($"/api/v1/returns/{item}/grade", new { grade = "Good", disposition = "resell_used" })).StatusCode);

        hold.Arm("\"StorageKey\""); // the writer's read of a batch's photos: the export is running, its package half written
        var id = (await (await data.PostAsJsonAsync("/api/v1/exports", new { categories = new[] { category } })).ReadJsonAsync()).GetProperty("id").GetString();
        await hold.Reached.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("running", (await (await data.GetAsync($"/api/v1/exports/{id}")).ReadJsonAsync()).GetProperty("status").GetString());

        var cancel = await data.PostAsync($"/api/v1/exports/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        hold.Release();

        // The worker ends the run: its files go, and nothing is published under the export's name.
        var exports = Path.Combine(app.DataDirectory, "exports");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Directory.EnumerateFileSystemEntries(exports).Any() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(exports));
        await Task.Delay(TimeSpan.FromSeconds(1)); // a finish that raced the cancel would have recorded "completed" by now
        var after = await (await data.GetAsync($"/api/v1/exports/{id}")).ReadJsonAsync();
        Assert.Equal("cancelled", after.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("downloadUrl").ValueKind);
        Assert.Equal(JsonValueKind.Null, after.GetProperty("sha256").ValueKind);
    }
}
