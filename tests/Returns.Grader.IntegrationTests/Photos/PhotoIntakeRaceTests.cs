using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Photos;

namespace Returns.Grader.IntegrationTests.Photos;

/// <summary>
/// Photos being kept while a grade of the same item commits: intake's save finds the item changed and tries again. The
/// photos kept kept their first stamp, taken before that grade, so exports and model comparisons counted them under a
/// label that was given without them (review, 2026-12-06). The interleaving forced on the real database: the item read
/// before the grade, saved after it.
/// </summary>
public sealed class PhotoIntakeRaceTests(GraderAppFactory app) : IClassFixture<GraderAppFactory>
{
    [Fact]
    public async Task PhotosSavedAfterAGradeCommittedMeanwhile_AreStampedAfterIt()
    {
        var grader = app.ApiClient("dev-grader");
        var itemId = Guid.Parse((await grader.CreateItemAsync(ApiJson.UniquePlate("RACE"))).GetProperty("id").GetString()!);
        var contexts = app.Services.GetRequiredService<IDbContextFactory<GraderDb>>();
        await using var intake = await contexts.CreateDbContextAsync();
        _ = await intake.ReturnItems.SingleAsync(i => i.Id == itemId); // read before the grade, as intake reads it
        var firstStamp = DateTime.UtcNow;
        var photo = new Photo
        {
            Id = Guid.CreateVersion7(), ReturnItemId = itemId, StorageKey = "race/none.jpg", ContentType = "image/jpeg", Sha256 = new string('a', 64),
            SourceFormat = "jpeg", UploadedBy = "apikey:dev-grader", UploadedAt = firstStamp, Width = 10, Height = 10,
        };
        intake.Photos.Add(photo);
        var audit = new AuditEvent { At = firstStamp, ActorId = "apikey:dev-grader", ActorName = "dev-grader", Action = "photos.added", EntityType = nameof(ReturnItem), EntityId = itemId.ToString() };
        intake.AuditEvents.Add(audit);
        Assert.Equal(HttpStatusCode.Created, (await grader.PostAsJsonAsync($"/api/v1/returns/{itemId}/grade", new { grade = "Good", disposition = "resell_used" })).StatusCode);

        await PhotoIntake.SaveWithNewItemVersionAsync(intake, itemId, null, firstStamp, audit, TimeProvider.System, CancellationToken.None);

        await using var read = await contexts.CreateDbContextAsync();
        var decidedAt = await read.GradeDecisions.Where(d => d.ReturnItemId == itemId).Select(d => d.DecidedAt).SingleAsync();
        var keptAt = await read.Photos.Where(p => p.Id == photo.Id).Select(p => p.UploadedAt).SingleAsync();
        Assert.True(firstStamp < decidedAt, "the grade came after the first stamp (the race this test is about)");
        Assert.True(keptAt > decidedAt, $"kept at {keptAt:O}, graded at {decidedAt:O}");
    }
    /// <summary>
    /// Intake looks at the item's state when the photos arrive and keeps them after decoding them: a supervisor's final
    /// grade committed in between (before intake read the item's version) let the photo onto a final item, and the
    /// export put it under a final label nobody gave it (API fuzz, 2026-12-06: 4 races of 8). The save looks again.
    /// </summary>
    [Fact]
    public async Task APhotoBeingKeptAsTheItemIsMadeFinal_IsRefused_NotKept()
    {
        var grader = app.ApiClient("dev-grader");
        var supervisor = app.ApiClient("dev-supervisor");
        var itemId = Guid.Parse((await grader.CreateItemAsync(ApiJson.UniquePlate("FIN"))).GetProperty("id").GetString()!);
        Assert.Equal(HttpStatusCode.Created, (await grader.PostAsJsonAsync($"/api/v1/returns/{itemId}/grade",
            new { grade = "Good", disposition = "resell_used", flagForReview = true })).StatusCode);
        var task = (await (await grader.GetAsync($"/api/v1/returns/{itemId}")).ReadJsonAsync()).GetProperty("reviews")[0].GetProperty("taskId").GetString();
        Assert.Equal(HttpStatusCode.OK, (await supervisor.PostAsync($"/api/v1/review-queue/{task}/claim", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision",
            new { grade = "Good", disposition = "resell_used", reasonCode = "approved" })).StatusCode);
        var contexts = app.Services.GetRequiredService<IDbContextFactory<GraderDb>>();
        await using var intake = await contexts.CreateDbContextAsync();
        var seenVersion = await intake.ReturnItems.Where(i => i.Id == itemId).Select(i => (Guid?)i.Version).SingleAsync(); // read after the final grade
        var stamp = DateTime.UtcNow;
        intake.Photos.Add(new Photo
        {
            Id = Guid.CreateVersion7(), ReturnItemId = itemId, StorageKey = "race/final.jpg", ContentType = "image/jpeg", Sha256 = new string('b', 64),
            SourceFormat = "jpeg", UploadedBy = "apikey:dev-grader", UploadedAt = stamp, Width = 10, Height = 10,
        });
        var audit = new AuditEvent { At = stamp, ActorId = "apikey:dev-grader", ActorName = "dev-grader", Action = "photos.added", EntityType = nameof(ReturnItem), EntityId = itemId.ToString() };
        intake.AuditEvents.Add(audit);

        await Assert.ThrowsAsync<ItemClosedToPhotosException>(() =>
            PhotoIntake.SaveWithNewItemVersionAsync(intake, itemId, seenVersion, stamp, audit, TimeProvider.System, CancellationToken.None));

        await using var read = await contexts.CreateDbContextAsync();
        Assert.Equal(0, await read.Photos.CountAsync(p => p.ReturnItemId == itemId));
    }
}
