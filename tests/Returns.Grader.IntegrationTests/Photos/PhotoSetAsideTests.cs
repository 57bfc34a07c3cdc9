using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;

namespace Returns.Grader.IntegrationTests.Photos;

/// <summary>
/// A photo of the wrong item (the wrong plate was open when it was taken) could not be removed, and was exported under
/// that item's label (exploratory browser pass, 2026-12-06). It is set aside now (ADR 0052): kept and audited, but out of
/// the item's photos, suggestion, new boxes and exports, until someone puts it back. Through the real API on a real SQLite file.
/// </summary>
public sealed class PhotoSetAsideTests(GraderAppFactory app) : IClassFixture<GraderAppFactory>
{
    private static async Task<(string ItemId, string[] Photos, JsonElement[] Suggestions)> ItemWithPhotosAsync(HttpClient client, string category = "Kitchen", params byte[][] photos)
    {
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate("SA"), 30m, category)).GetProperty("id").GetString()!;
        var upload = await client.PostAsync($"/api/v1/returns/{id}/photos",
            ApiJson.PhotoForm([.. photos.Select((bytes, i) => ($"p{i}.jpg", bytes, "image/jpeg"))]));
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var answered = (await upload.ReadJsonAsync()).GetProperty("photos").EnumerateArray().ToArray();
        return (id, [.. answered.Select(p => p.GetProperty("photoId").GetString()!)], [.. answered.Select(p => p.GetProperty("suggestion"))]);
    }

    private static async Task<JsonElement> ItemAsync(HttpClient client, string id) => await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();

    [Fact]
    public async Task ASetAsidePhoto_LeavesThePhotosAndTheSuggestion_RefusesNewBoxes_AndComesBackWhenPutBack()
    {
        var grader = app.ApiClient();
        var (id, photos, suggestions) = await ItemWithPhotosAsync(grader, "Kitchen", TestPhotos.ProductJpeg("01-likenew.jpg"), TestPhotos.PhotoLikeJpeg(640, 480, seed: 11));
        var before = await ItemAsync(grader, id);
        Assert.Equal(2, before.GetProperty("photos").GetArrayLength());

        var setAside = await grader.PutAsJsonAsync($"/api/v1/photos/{photos[1]}/set-aside", new { reason = "wrong_item" });

        Assert.Equal(HttpStatusCode.OK, setAside.StatusCode);
        var state = await setAside.ReadJsonAsync();
        Assert.Equal("wrong_item", state.GetProperty("reason").GetString());
        var after = await ItemAsync(grader, id);
        Assert.NotEqual(before.GetProperty("version").GetString(), after.GetProperty("version").GetString());
        Assert.Equal(after.GetProperty("version").GetString(), state.GetProperty("itemVersion").GetString());
        Assert.Equal([photos[0]], after.GetProperty("photos").EnumerateArray().Select(p => p.GetProperty("photoId").GetString()));
        var aside = Assert.Single(after.GetProperty("setAsidePhotos").EnumerateArray());
        Assert.Equal(photos[1], aside.GetProperty("photoId").GetString());
        Assert.Equal("wrong_item", aside.GetProperty("reason").GetString());
        Assert.False(string.IsNullOrEmpty(aside.GetProperty("setAsideBy").GetString()));
        // The item's suggestion is the remaining photo's own: its probabilities, not the two photos' average.
        var remaining = suggestions[0].GetProperty("probabilities");
        var itemNow = after.GetProperty("suggestion").GetProperty("probabilities");
        Assert.All(remaining.EnumerateObject(), p => Assert.Equal(p.Value.GetDouble(), itemNow.GetProperty(p.Name).GetDouble(), 6));
        var averaged = before.GetProperty("suggestion").GetProperty("probabilities");
        Assert.Contains(remaining.EnumerateObject(), p => Math.Abs(p.Value.GetDouble() - averaged.GetProperty(p.Name).GetDouble()) > 1e-6);

        // A box on the set-aside photo is refused, naming the field; a grade sent with the version read before is refused as changed.
        var boxed = await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new
        {
            grade = "Good", disposition = "resell_used",
            damage = new[] { new { type = "dent", photoId = photos[1], box = new[] { 10, 10, 50, 50 } } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, boxed.StatusCode);
        var problem = await boxed.ReadJsonAsync();
        Assert.Contains("set aside", problem.GetProperty("errors").GetProperty("damage[0].photoId")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "Good", disposition = "resell_used", itemVersion = before.GetProperty("version").GetString() })).StatusCode);

        // Setting aside again for the same reason is the same state (a retried request): no new version.
        var again = await (await grader.PutAsJsonAsync($"/api/v1/photos/{photos[1]}/set-aside", new { reason = "wrong_item" })).ReadJsonAsync();
        Assert.Equal(state.GetProperty("itemVersion").GetString(), again.GetProperty("itemVersion").GetString());

        var putBack = await grader.DeleteAsync($"/api/v1/photos/{photos[1]}/set-aside");
        Assert.Equal(HttpStatusCode.OK, putBack.StatusCode);
        var back = await ItemAsync(grader, id);
        Assert.Equal(photos.Order(), back.GetProperty("photos").EnumerateArray().Select(p => p.GetProperty("photoId").GetString()!).Order());
        Assert.Empty(back.GetProperty("setAsidePhotos").EnumerateArray());
        var together = back.GetProperty("suggestion").GetProperty("probabilities");
        Assert.All(averaged.EnumerateObject(), p => Assert.Equal(p.Value.GetDouble(), together.GetProperty(p.Name).GetDouble(), 6));

        // Who did what, kept: the photo itself was never deleted.
        await using var db = await app.Services.GetRequiredService<IDbContextFactory<GraderDb>>().CreateDbContextAsync();
        var actions = await db.AuditEvents.Where(a => a.EntityId == id && a.Action.StartsWith("photo.")).OrderBy(a => a.Id).Select(a => a.Action).ToListAsync();
        Assert.Equal(["photo.set_aside", "photo.put_back"], actions);
        Assert.Equal(HttpStatusCode.OK, (await grader.GetAsync($"/api/v1/photos/{photos[1]}")).StatusCode);
    }

    [Fact]
    public async Task Refusals_SayWhichFieldOrWhy_AndTheRolesAreTheGradingOnes()
    {
        var grader = app.ApiClient();
        var (id, photos, _) = await ItemWithPhotosAsync(grader, "Kitchen", TestPhotos.PhotoLikeJpeg(640, 480, seed: 21));

        foreach (var body in new object?[] { new { reason = "blurry" }, new { reason = (string?)null }, new { }, null })
        {
            var refused = await grader.PutAsJsonAsync($"/api/v1/photos/{photos[0]}/set-aside", body);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("wrong_item", (await refused.ReadJsonAsync()).GetProperty("errors").GetProperty("reason")[0].GetString(), StringComparison.Ordinal);
        }
        var wrongType = await grader.PutAsync($"/api/v1/photos/{photos[0]}/set-aside", new StringContent("""{"reason": 5}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        Assert.True((await wrongType.ReadJsonAsync()).GetProperty("errors").TryGetProperty("reason", out _));
        var noBody = await grader.PutAsync($"/api/v1/photos/{photos[0]}/set-aside", null);
        Assert.Equal(HttpStatusCode.BadRequest, noBody.StatusCode);
        Assert.Equal("application/problem+json", noBody.Content.Headers.ContentType?.MediaType);
        var unknown = Guid.NewGuid();
        Assert.Equal(HttpStatusCode.NotFound, (await grader.PutAsJsonAsync($"/api/v1/photos/{unknown}/set-aside", new { reason = "unusable" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await grader.DeleteAsync($"/api/v1/photos/{unknown}/set-aside")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.ApiClient("dev-data").PutAsJsonAsync($"/api/v1/photos/{photos[0]}/set-aside", new { reason = "unusable" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.ApiClient("dev-data").DeleteAsync($"/api/v1/photos/{photos[0]}/set-aside")).StatusCode);
        Assert.Empty((await ItemAsync(grader, id)).GetProperty("setAsidePhotos").EnumerateArray()); // nothing of the refusals was kept
    }

    /// <summary>
    /// A set-aside against the version the caller saw: a grade or photo that came meanwhile refuses it (409, nothing
    /// changed), so it never carries anyone past a change they have not seen. A new reason keeps the first set-aside's
    /// time, and the same photo sent again is answered as the set-aside copy it is.
    /// </summary>
    [Fact]
    public async Task AStaleVersionIsRefused_ANewReasonKeepsTheTime_AndTheSamePhotoSentAgainSaysItIsSetAside()
    {
        var grader = app.ApiClient();
        var odd = TestPhotos.PhotoLikeJpeg(640, 480, seed: 51);
        var (id, photos, _) = await ItemWithPhotosAsync(grader, "Kitchen", TestPhotos.PhotoLikeJpeg(640, 480, seed: 50), odd);
        var seen = (await ItemAsync(grader, id)).GetProperty("version").GetString();
        Assert.Equal(HttpStatusCode.Created, (await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used" })).StatusCode);

        var stale = await grader.PutAsJsonAsync($"/api/v1/photos/{photos[1]}/set-aside", new { reason = "wrong_item", itemVersion = seen });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Empty((await ItemAsync(grader, id)).GetProperty("setAsidePhotos").EnumerateArray());

        var current = (await ItemAsync(grader, id)).GetProperty("version").GetString();
        var first = await (await grader.PutAsJsonAsync($"/api/v1/photos/{photos[1]}/set-aside", new { reason = "wrong_item", itemVersion = current })).ReadJsonAsync();
        var changed = await (await grader.PutAsJsonAsync($"/api/v1/photos/{photos[1]}/set-aside", new { reason = "unusable" })).ReadJsonAsync();
        Assert.Equal("unusable", changed.GetProperty("reason").GetString());
        Assert.Equal(first.GetProperty("setAsideAt").GetDateTime(), changed.GetProperty("setAsideAt").GetDateTime());
        Assert.Equal(HttpStatusCode.Conflict, (await grader.DeleteAsync($"/api/v1/photos/{photos[1]}/set-aside?itemVersion={current}")).StatusCode);

        var again = await grader.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("again.jpg", odd, "image/jpeg")));
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        var answer = (await again.ReadJsonAsync()).GetProperty("photos")[0];
        Assert.Equal((photos[1], "unusable"), (answer.GetProperty("photoId").GetString(), answer.GetProperty("setAside").GetString()));
        Assert.Single((await ItemAsync(grader, id)).GetProperty("photos").EnumerateArray());
    }

    [Fact]
    public async Task AFinalItemsPhoto_IsSetAsideByASupervisorOnly()
    {
        var grader = app.ApiClient();
        var supervisor = app.ApiClient("dev-supervisor");
        var (id, photos, _) = await ItemWithPhotosAsync(grader, "Kitchen", TestPhotos.PhotoLikeJpeg(640, 480, seed: 31), TestPhotos.PhotoLikeJpeg(640, 480, seed: 32));
        Assert.Equal(HttpStatusCode.Created, (await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "LikeNew", disposition = "restock", flagForReview = true })).StatusCode);
        var task = (await ItemAsync(grader, id)).GetProperty("reviews")[0].GetProperty("taskId").GetString();
        Assert.Equal(HttpStatusCode.OK, (await supervisor.PostAsync($"/api/v1/review-queue/{task}/claim", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision", new { grade = "LikeNew", disposition = "restock", reasonCode = "approved" })).StatusCode);

        var byGrader = await grader.PutAsJsonAsync($"/api/v1/photos/{photos[1]}/set-aside", new { reason = "wrong_item" });
        Assert.Equal(HttpStatusCode.Conflict, byGrader.StatusCode);
        Assert.Equal("item_final", (await byGrader.ReadJsonAsync()).GetProperty("reason").GetString());
        Assert.Equal(2, (await ItemAsync(grader, id)).GetProperty("photos").GetArrayLength());

        Assert.Equal(HttpStatusCode.OK, (await supervisor.PutAsJsonAsync($"/api/v1/photos/{photos[1]}/set-aside", new { reason = "wrong_item" })).StatusCode);
        Assert.Single((await ItemAsync(grader, id)).GetProperty("photos").EnumerateArray());
        Assert.Equal(HttpStatusCode.Conflict, (await grader.DeleteAsync($"/api/v1/photos/{photos[1]}/set-aside")).StatusCode);
    }

    /// <summary>
    /// The package holds what the item's label is about: not the set-aside photo, not the boxes drawn on it, not their
    /// damage in the item's counts; and an item whose only photo was set aside is not exported at all (an image dataset
    /// needs images). A photo set aside after the grade counts too: the package is made from the snapshot's state.
    /// </summary>
    [Fact]
    public async Task ASetAsidePhoto_IsNotExported_NorItsBoxes_AndAnItemLeftWithoutPhotosIsLeftOut()
    {
        var category = "Sa" + Guid.NewGuid().ToString("N")[..6];
        var grader = app.ApiClient();
        var (kept, keptPhotos, _) = await ItemWithPhotosAsync(grader, category, TestPhotos.PhotoLikeJpeg(640, 480, seed: 41), TestPhotos.PhotoLikeJpeg(640, 480, seed: 42));
        Assert.Equal(HttpStatusCode.Created, (await grader.PostAsJsonAsync($"/api/v1/returns/{kept}/grade", new
        {
            grade = "Good", disposition = "resell_used",
            damage = new object[]
            {
                new { type = "scratch", photoId = keptPhotos[0], box = new[] { 10, 10, 60, 40 } },
                new { type = "dent", photoId = keptPhotos[1], box = new[] { 20, 20, 80, 80 } },
                new { type = "stain" }, // marked without a photo: the item's damage whatever happens to its photos
            },
        })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await grader.PutAsJsonAsync($"/api/v1/photos/{keptPhotos[1]}/set-aside", new { reason = "wrong_item" })).StatusCode);
        var (gone, gonePhotos, _) = await ItemWithPhotosAsync(grader, category, TestPhotos.PhotoLikeJpeg(640, 480, seed: 43));
        Assert.Equal(HttpStatusCode.Created, (await grader.PostAsJsonAsync($"/api/v1/returns/{gone}/grade", new { grade = "LikeNew", disposition = "restock" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await grader.PutAsJsonAsync($"/api/v1/photos/{gonePhotos[0]}/set-aside", new { reason = "unusable" })).StatusCode);

        // Set aside by mistake when the grade was given, put back after: the item's photo again, under its label as before
        // (counted only from the put-back, a label whose only photo it was left every export: review of the fixes).
        var (back, backPhotos, _) = await ItemWithPhotosAsync(grader, category, TestPhotos.PhotoLikeJpeg(640, 480, seed: 44), TestPhotos.PhotoLikeJpeg(640, 480, seed: 45));
        Assert.Equal(HttpStatusCode.OK, (await grader.PutAsJsonAsync($"/api/v1/photos/{backPhotos[1]}/set-aside", new { reason = "wrong_item" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await grader.PostAsJsonAsync($"/api/v1/returns/{back}/grade", new { grade = "LikeNew", disposition = "restock" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await grader.DeleteAsync($"/api/v1/photos/{backPhotos[1]}/set-aside")).StatusCode);

        var data = app.ApiClient("dev-data");
        var exportId = (await (await data.PostAsJsonAsync("/api/v1/exports", new { categories = new[] { category } })).ReadJsonAsync()).GetProperty("id").GetString()!;
        Assert.Equal("completed", (await data.WaitForExportAsync(exportId)).GetProperty("status").GetString());
        using var zip = new ZipArchive(new MemoryStream(await data.GetByteArrayAsync($"/api/v1/exports/{exportId}/download")));

        var coco = JsonDocument.Parse(zip.Entries.Single(e => e.FullName.EndsWith("annotations/coco.json", StringComparison.Ordinal)).Open()).RootElement;
        var images = coco.GetProperty("images").EnumerateArray().ToList();
        Assert.Equal(new[] { (kept, keptPhotos[0]), (back, backPhotos[0]), (back, backPhotos[1]) }.Order(),
            images.Select(i => (i.GetProperty("item_id").GetString()!, i.GetProperty("photo_id").GetString()!)).Order());
        var image = images.Single(i => i.GetProperty("item_id").GetString() == kept);
        var annotation = Assert.Single(coco.GetProperty("annotations").EnumerateArray());
        Assert.Equal(image.GetProperty("id").GetInt32(), annotation.GetProperty("image_id").GetInt32());
        Assert.DoesNotContain(zip.Entries, e => e.Name.StartsWith(Guid.Parse(keptPhotos[1]).ToString("N"), StringComparison.Ordinal));

        var rows = new List<JsonElement>(); // one metadata.jsonl per split
        foreach (var entry in zip.Entries.Where(e => e.Name == "metadata.jsonl"))
        {
            using var metadata = new StreamReader(entry.Open());
            rows.AddRange((await metadata.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement));
        }
        var row = rows.Single(r => r.GetProperty("item_id").GetString() == kept);
        Assert.Equal(1, row.GetProperty("damage_counts").GetProperty("scratch").GetInt32());
        Assert.Equal(0, row.GetProperty("damage_counts").GetProperty("dent").GetInt32());
        Assert.Equal(1, row.GetProperty("damage_counts").GetProperty("stain").GetInt32());
    }
}
