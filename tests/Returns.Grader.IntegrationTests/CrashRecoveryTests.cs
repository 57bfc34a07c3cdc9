using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;

namespace Returns.Grader.IntegrationTests;

/// <summary>
/// The app as its own process, killed without warning (SIGKILL) right after acknowledging a grade, then started again
/// on the same data directory and database: every acknowledged grade and photo must be there. On SQLite that is the
/// app's own commit (synchronous=FULL); on PostgreSQL the server outlives the app, so it shows that nothing the app
/// acknowledged was still only in the killed process. Uploads cut short by the kill may leave photos with no row and
/// interrupted writes; the next start's orphan sweep removes them (once old enough), so nothing unrecorded is left.
/// </summary>
public sealed class CrashRecoveryTests : IDisposable
{
    private readonly string _dataDirectory = GraderAppFactory.NewTemporaryDirectory();
    private TestDatabase? _database;

    private TestDatabase Database(DatabaseProvider provider) => _database ??= TestDatabase.Create(provider);

    [Theory, OnSqlite, OnPostgres]
    public async Task AcknowledgedGrades_SurviveTheProcessBeingKilled_AndUploadsCutShortLeaveNoOrphans(DatabaseProvider provider)
    {
        var acknowledged = new List<(string ItemId, string Grade, string PhotoId)>();
        var cutShort = new List<string>();
        var photos = Path.Combine(_dataDirectory, "photos");
        using (var first = await AppProcess.StartAsync(_dataDirectory, Database(provider)))
        {
            var grades = new[] { "LikeNew", "Good", "Unsellable" };
            foreach (var grade in grades)
            {
                var item = await first.Client.CreateItemAsync(ApiJson.UniquePlate("CRASH"));
                var id = item.GetProperty("id").GetString()!;
                var upload = await first.Client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("p.jpg", TestPhotos.HalfRedHalfBlueJpeg(), "image/jpeg")));
                Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
                var photoId = (await upload.ReadJsonAsync()).GetProperty("photos")[0].GetProperty("photoId").GetString()!;
                var graded = await first.Client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade, disposition = "liquidate" });
                Assert.Equal(HttpStatusCode.Created, graded.StatusCode);
                acknowledged.Add((id, grade, photoId));
            }
            // Uploads in flight when the process dies: killed as soon as the first answers, the others are cut anywhere
            // between the photo and its row (measured by hand before the sweep existed: 1-4 orphans and a .partial per kill).
            for (var i = 0; i < 6; i++)
            {
                cutShort.Add((await first.Client.CreateItemAsync(ApiJson.UniquePlate("CRASHP"))).GetProperty("id").GetString()!);
            }
            var uploads = cutShort.Select((id, i) => first.Client.PostAsync($"/api/v1/returns/{id}/photos",
                ApiJson.PhotoForm(("p.jpg", TestPhotos.PhotoLikeJpeg(3000, 2000, seed: i), "image/jpeg")))).ToList();
            await Task.WhenAny(uploads);
            first.Kill();
            await Task.WhenAll(uploads.Select(u => u.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
        // The same leftovers for certain, whatever the kill caught: a whole photo nobody recorded and an interrupted write.
        var day = Path.Combine(photos, DateTime.UtcNow.ToString("yyyy/MM/dd", System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(day);
        await File.WriteAllBytesAsync(Path.Combine(day, $"{Guid.NewGuid():N}.jpg"), TestPhotos.HalfRedHalfBlueJpeg());
        await File.WriteAllBytesAsync(Path.Combine(day, $"{Guid.NewGuid():N}.jpg.partial"), [0xFF, 0xD8, 0xFF]);
        // As if the restart came two hours later: every file is past the sweep's safe age (Grader:Storage:OrphanMinAge, 1 h).
        foreach (var file in Directory.GetFiles(photos, "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddHours(-2));
        }
        Assert.True(StoredFiles(photos).Length >= acknowledged.Count + 2);

        using var second = await AppProcess.StartAsync(_dataDirectory, Database(provider));
        foreach (var (itemId, grade, photoId) in acknowledged)
        {
            var item = await (await second.Client.GetAsync($"/api/v1/returns/{itemId}")).ReadJsonAsync();
            Assert.Equal(grade, item.GetProperty("decisions")[0].GetProperty("grade").GetString());
            Assert.Equal(HttpStatusCode.OK, (await second.Client.GetAsync($"/api/v1/photos/{photoId}")).StatusCode);
        }
        // Every photo with a row (an upload may have committed just before the kill) is served; no other file is left.
        var recorded = new List<string>();
        foreach (var itemId in acknowledged.Select(a => a.ItemId).Concat(cutShort))
        {
            var item = await (await second.Client.GetAsync($"/api/v1/returns/{itemId}")).ReadJsonAsync();
            recorded.AddRange(item.GetProperty("photos").EnumerateArray().Select(p => p.GetProperty("photoId").GetString()!));
        }
        foreach (var photoId in recorded)
        {
            Assert.Equal(HttpStatusCode.OK, (await second.Client.GetAsync($"/api/v1/photos/{photoId}")).StatusCode);
        }
        // The sweep runs in the background at start; a bound, not a timing.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (StoredFiles(photos).Length != recorded.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        Assert.Equal(recorded.Count, StoredFiles(photos).Length);
        Assert.DoesNotContain(StoredFiles(photos), f => f.EndsWith(".partial", StringComparison.Ordinal));
    }

    /// <summary>Photos and interrupted writes in the photo folder (not the readiness probe, which lives for a moment).</summary>
    private static string[] StoredFiles(string photos) => Directory.GetFiles(photos, "*.jpg*", SearchOption.AllDirectories);

    [Theory, OnSqlite, OnPostgres]
    public async Task AnExportAskedForJustBeforeACrash_CompletesAfterTheRestart_WithNoPartialFileLeft(DatabaseProvider provider)
    {
        string exportId;
        using (var first = await AppProcess.StartAsync(_dataDirectory, Database(provider)))
        {
            for (var i = 0; i < 20; i++)
            {
                var id = (await first.Client.CreateItemAsync(ApiJson.UniquePlate("CRASHX"), 10m, "CrashExport")).GetProperty("id").GetString();
                Assert.Equal(HttpStatusCode.Created, (await first.Client.PostAsync($"/api/v1/returns/{id}/photos",
                    ApiJson.PhotoForm(("p.jpg", TestPhotos.PhotoLikeJpeg(1600, 1200, seed: i), "image/jpeg")))).StatusCode);
                Assert.Equal(HttpStatusCode.Created, (await first.Client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "liquidate" })).StatusCode);
            }
            first.Client.DefaultRequestHeaders.Remove("X-Api-Key");
            first.Client.DefaultRequestHeaders.Add("X-Api-Key", "dev-data");
            var started = await first.Client.PostAsJsonAsync("/api/v1/exports", new { categories = new[] { "CrashExport" } });
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            exportId = (await started.ReadJsonAsync()).GetProperty("id").GetString()!;
            first.Kill(); // the export is queued or running: it is acknowledged, not finished
        }

        using var second = await AppProcess.StartAsync(_dataDirectory, Database(provider));
        second.Client.DefaultRequestHeaders.Remove("X-Api-Key");
        second.Client.DefaultRequestHeaders.Add("X-Api-Key", "dev-data");
        var export = await second.Client.WaitForExportAsync(exportId, seconds: 120);
        Assert.Equal("completed", export.GetProperty("status").GetString());
        Assert.Equal(20, export.GetProperty("itemsDone").GetInt64());
        var bytes = await second.Client.GetByteArrayAsync($"/api/v1/exports/{exportId}/download");
        Assert.Equal(export.GetProperty("sha256").GetString(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
        Assert.Empty(Directory.GetFiles(Path.Combine(_dataDirectory, "exports"), "*.partial"));
        Assert.Empty(Directory.GetDirectories(Path.Combine(_dataDirectory, "exports"), "*.work"));
    }

    public void Dispose()
    {
        GraderAppFactory.TryDelete(_dataDirectory);
        _database?.Dispose();
    }
}
