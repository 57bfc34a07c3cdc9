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
}
