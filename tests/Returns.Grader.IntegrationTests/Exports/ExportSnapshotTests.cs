using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;

namespace Returns.Grader.IntegrationTests.Exports;

/// <summary>
/// An export's snapshot is the moment it was asked for. A grade stamped before that moment and still on its way to the
/// database must be in the package, every time the export runs (ADR 0048): the export starts once its snapshot has
/// settled, and a grade that cannot commit soon enough after its stamp is not kept at all.
/// </summary>
public sealed class ExportSnapshotTests
{
    /// <summary>The grade's read of its photos' warnings: after the grade is stamped, before its transaction.</summary>
    private const string ReadAfterTheStamp = "\"QualityWarnings\" IS NOT NULL";

    [Fact]
    public async Task AGradeStillOnItsWayWhenAnExportIsAskedFor_IsInThePackage_ForTheExportWaitsForItsSnapshotToSettle()
    {
        var hold = new HoldOneRead();
        using var app = new GraderAppFactory
        {
            Settings = { ["Grader:Exports:SnapshotSettle"] = "00:00:05" },
            TestServices = services => services.ConfigureDbContext<SqliteGraderDb>(o => o.AddInterceptors(hold)),
        };
        var grader = app.ApiClient();
        var data = app.ApiClient("dev-data");
        var category = "Settle" + Guid.NewGuid().ToString("N")[..6];
        var id = await ItemWithAPhotoAsync(grader, category);

        hold.Arm(ReadAfterTheStamp);
        var grading = grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used" });
        await hold.Reached.WaitAsync(TimeSpan.FromSeconds(30)); // stamped, not yet saved
        var asked = await data.PostAsJsonAsync("/api/v1/exports", new { categories = new[] { category } });
        Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
        var queued = await asked.ReadJsonAsync();
        var exportId = queued.GetProperty("id").GetString()!;
        Assert.Equal("queued", queued.GetProperty("status").GetString());
        Assert.Equal(queued.GetProperty("createdAt").GetDateTime().AddSeconds(5), queued.GetProperty("startsAt").GetDateTime());

        // Before the fix the worker started at once (woken by the request) and read the snapshot without the grade.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal("queued", (await (await data.GetAsync($"/api/v1/exports/{exportId}")).ReadJsonAsync()).GetProperty("status").GetString());
        hold.Release();
        Assert.Equal(HttpStatusCode.Created, (await grading).StatusCode);

        var export = await data.WaitForExportAsync(exportId);
        Assert.Equal("completed", export.GetProperty("status").GetString());
        Assert.Equal(1, export.GetProperty("itemsDone").GetInt64());
        Assert.True(export.GetProperty("startedAt").GetDateTime() >= queued.GetProperty("startsAt").GetDateTime());
        Assert.Equal(JsonValueKind.Null, export.GetProperty("startsAt").ValueKind); // started: no longer waiting
    }

    [Fact]
    public async Task AGradeThatWouldCommitTooLongAfterItsStamp_IsNotKept_AndIsAnsweredBusy()
    {
        var hold = new HoldOneRead();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var app = new GraderAppFactory
        {
            TestServices = services =>
            {
                services.AddSingleton<TimeProvider>(clock);
                services.ConfigureDbContext<SqliteGraderDb>(o => o.AddInterceptors(hold));
            },
        };
        var grader = app.ApiClient();
        var id = await ItemWithAPhotoAsync(grader, "Kitchen");

        hold.Arm(ReadAfterTheStamp);
        var grading = grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used" });
        await hold.Reached.WaitAsync(TimeSpan.FromSeconds(30));
        clock.Advance(Web.Infrastructure.RowStamps.LatestCommitAfterStamp + TimeSpan.FromSeconds(1)); // a database that slow
        hold.Release();
        var refused = await grading;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var problem = await refused.ReadJsonAsync();
        Assert.Equal("database_busy", problem.GetProperty("reason").GetString());
        Assert.Equal(["5"], refused.Headers.GetValues("Retry-After"));
        var item = await (await grader.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        Assert.Empty(item.GetProperty("decisions").EnumerateArray()); // nothing of it was kept
        // Sent again, it is kept.
        Assert.Equal(HttpStatusCode.Created, (await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used" })).StatusCode);
    }

    private static async Task<string> ItemWithAPhotoAsync(HttpClient grader, string category)
    {
        var id = (await grader.CreateItemAsync(ApiJson.UniquePlate("SN"), 30m, category)).GetProperty("id").GetString()!;
        var upload = await grader.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("p.jpg", TestPhotos.PhotoLikeJpeg(640, 480), "image/jpeg")));
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        return id;
    }
}
