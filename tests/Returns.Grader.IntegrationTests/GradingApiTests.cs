using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;

namespace Returns.Grader.IntegrationTests;

public sealed class GradingApiTests(GraderAppsByProvider apps) : IClassFixture<GraderAppsByProvider>
{
    private static async Task<(HttpClient Client, string ItemId, JsonElement Photo)> ItemWithPhotoAsync(GraderAppFactory app)
    {
        var client = app.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate(), category: "Electronics")).GetProperty("id").GetString()!;
        var upload = await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("p.jpg", TestPhotos.PhotoLikeJpeg(640, 480), "image/jpeg")));
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        return (client, id, (await upload.ReadJsonAsync()).GetProperty("photos")[0]);
    }

    /// <summary>Right-to-left text keeps its isolates (U+2067 ... U+2069, as i18n libraries wrap it); only the overrides,
    /// which make text show other than it is stored, are refused (review of the session's diff, 2026-12-06).</summary>
    [Fact]
    public async Task RightToLeftTextWithItsIsolates_IsKeptAsSent()
    {
        var (client, id, _) = await ItemWithPhotoAsync(apps[DatabaseProvider.Sqlite]);
        const string note = "\u2067\u05E9\u05E8\u05D9\u05D8\u05D4\u2069 on the lid";
        var response = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "LikeNew", disposition = "restock", notes = note });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(note, (await response.ReadJsonAsync()).GetProperty("notes").GetString());
    }

    [Theory, OnSqlite, OnPostgres]
    public async Task Grade_WithDamageBoxes_IsRecordedWithRubricVerdictAndActor(DatabaseProvider provider)
    {
        var app = apps[provider];
        var (client, id, photo) = await ItemWithPhotoAsync(app);
        var photoId = photo.GetProperty("photoId").GetString();

        var response = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new
        {
            grade = "Good",
            disposition = "resell_used",
            damage = new object[]
            {
                new { photoId, type = "scratch", box = new[] { 10, 20, 100, 40 } },
                new { photoId, type = "stain", box = new[] { 300, 200, 50, 50 } },
            },
            notes = "Scuffs on the lid",
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var decision = await response.ReadJsonAsync();
        Assert.Equal("Good", decision.GetProperty("grade").GetString());
        Assert.Equal("Good", decision.GetProperty("rubricGrade").GetString()); // 1 + 1 points
        Assert.False(decision.GetProperty("contradictsRubric").GetBoolean());
        Assert.Equal("v1", decision.GetProperty("rubricVersion").GetString());
        Assert.Equal("Grader", decision.GetProperty("actor").GetProperty("role").GetString());
        Assert.Equal("Station", decision.GetProperty("kind").GetString());
        var damage = decision.GetProperty("damage");
        Assert.Equal(2, damage.GetArrayLength());
        Assert.Equal("[10,20,100,40]", damage[0].GetProperty("box").GetRawText());
        Assert.Equal("added", damage[0].GetProperty("source").GetString()); // as requests spell it, not "Added"

        var item = await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        // With a model, a doubtful suggestion may send it to review; either way the status says which.
        var underReview = item.GetProperty("reviews").EnumerateArray().Any(r => r.GetProperty("status").GetString() == "Open");
        Assert.Equal(underReview ? "InReview" : "Graded", item.GetProperty("status").GetString());
        Assert.Equal(decision.GetProperty("id").GetString(), item.GetProperty("currentDecisionId").GetString());
    }

    /// <summary>
    /// One scratch photographed from the front and the back is one scratch (ADR 0036): the rubric counts a box type as on
    /// the photo that shows most of it, as the model's item suggestion does. Summed over the photos, the station prefilled
    /// Very good with the model's two boxes and then called Very good a contradiction of the rubric (Good).
    /// </summary>
    [Theory, OnSqlite, OnPostgres]
    public async Task BoxesOfOneTypeOnTwoPhotos_CountOnce_AndASecondOnOnePhotoCounts(DatabaseProvider provider)
    {
        var app = apps[provider];
        var (client, id, front) = await ItemWithPhotoAsync(app);
        var back = (await (await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("q.jpg", TestPhotos.PhotoLikeJpeg(480, 640), "image/jpeg"))))
            .ReadJsonAsync()).GetProperty("photos")[0];
        object Scratch(JsonElement photo, int x) => new { photoId = photo.GetProperty("photoId").GetString(), type = "scratch", box = new[] { x, 20, 60, 30 } };

        var once = await (await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "VeryGood", disposition = "resell_used", damage = new[] { Scratch(front, 10), Scratch(back, 10) } })).ReadJsonAsync();
        Assert.Equal("VeryGood", once.GetProperty("rubricGrade").GetString()); // 1 point, not 1 + 1
        Assert.False(once.GetProperty("contradictsRubric").GetBoolean());

        var item = await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        var twice = await (await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new
        {
            grade = "Good", disposition = "resell_used", itemVersion = item.GetProperty("version").GetString(),
            damage = new[] { Scratch(front, 10), Scratch(front, 200), Scratch(back, 10) },
        })).ReadJsonAsync();
        Assert.Equal("Good", twice.GetProperty("rubricGrade").GetString()); // two scratches on the front: 2 points
    }

    [Theory, OnSqlite, OnPostgres]
    public async Task Grade_ThatContradictsTheRubric_IsAcceptedAndFlagged(DatabaseProvider provider)
    {
        var app = apps[provider];
        var (client, id, _) = await ItemWithPhotoAsync(app);

        var response = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new
        {
            grade = "LikeNew",
            disposition = "restock",
            damage = new[] { new { type = "crack" } },
            contradictionReason = "Crack is on the packaging only",
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var decision = await response.ReadJsonAsync();
        Assert.True(decision.GetProperty("contradictsRubric").GetBoolean());
        Assert.Equal("Acceptable", decision.GetProperty("rubricGrade").GetString());
        Assert.Equal("Crack is on the packaging only", decision.GetProperty("contradictionReason").GetString());
    }

    [Theory, OnSqlite, OnPostgres]
    public async Task Correction_IsANewDecisionThatSupersedesTheFirst_AndNothingIsOverwritten(DatabaseProvider provider)
    {
        var app = apps[provider];
        var (client, id, _) = await ItemWithPhotoAsync(app);
        var first = await (await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "LikeNew", disposition = "restock" })).ReadJsonAsync();

        var response = await app.ApiClient("dev-supervisor").PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "VeryGood", disposition = "resell_used", damage = new[] { new { type = "scratch" } } });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var second = await response.ReadJsonAsync();
        Assert.Equal("Correction", second.GetProperty("kind").GetString());
        Assert.Equal(first.GetProperty("id").GetString(), second.GetProperty("supersedes").GetString());
        var item = await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        var decisions = item.GetProperty("decisions");
        Assert.Equal(2, decisions.GetArrayLength());
        Assert.Equal("LikeNew", decisions[0].GetProperty("grade").GetString());
        Assert.Equal("VeryGood", decisions[1].GetProperty("grade").GetString());
        Assert.Equal(second.GetProperty("id").GetString(), item.GetProperty("currentDecisionId").GetString());
    }

    /// <summary>
    /// A grade sent again word for word by the same person (a retry after a timeout) is the decision already stored: 200,
    /// nothing appended, counted once (API pass, 2026-12-05: a second decision, counted twice on the quality page). After
    /// a new photo the same words are a new label, and saved.
    /// </summary>
    [Theory, OnSqlite, OnPostgres]
    public async Task TheSameGradeSentAgain_IsTheDecisionAlreadyStored_UntilAPhotoIsAdded(DatabaseProvider provider)
    {
        var app = apps[provider];
        var (client, id, photo) = await ItemWithPhotoAsync(app);
        var grade = new
        {
            grade = "Good", disposition = "resell_used", notes = "scuffed base",
            damage = new[] { new { photoId = photo.GetProperty("photoId").GetString(), type = "scratch", box = new[] { 10, 20, 30, 40 }, source = "added" } },
        };

        var first = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", grade);
        var again = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", grade);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var (firstBody, againBody) = (await first.ReadJsonAsync(), await again.ReadJsonAsync());
        Assert.Equal(firstBody.GetProperty("id").GetString(), againBody.GetProperty("id").GetString());
        // The time a save answers with is the time a read gives (PostgreSQL keeps microseconds; the answer had 100 ns ticks).
        Assert.Equal(firstBody.GetProperty("decidedAt").GetString(), againBody.GetProperty("decidedAt").GetString());
        Assert.Equal(1, (await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("decisions").GetArrayLength());

        // Another person's identical grade is theirs; so is the same person's after a new photo.
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("q.jpg", TestPhotos.PhotoLikeJpeg(640, 480, seed: 7), "image/jpeg")))).StatusCode);
        var afterPhoto = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", grade);
        Assert.Equal(HttpStatusCode.Created, afterPhoto.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await app.ApiClient("dev-supervisor").PostAsJsonAsync($"/api/v1/returns/{id}/grade", grade)).StatusCode);
        Assert.Equal(3, (await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("decisions").GetArrayLength());
    }

    /// <summary>
    /// Copies of one grade arriving at once (a client's retry that overtook the first try, or reached another node) are
    /// one decision, and every copy hears so: 201 once, 200 for the others (two-node pass, 2026-12-05: the later copy got
    /// 409 "changed by someone else at the same moment" for the caller's own grade). Six copies at once, many times.
    /// </summary>
    [Theory, OnSqlite, OnPostgres]
    public async Task CopiesOfOneGradeAtOnce_AreOneDecision_AndNoneIsTold_SomeoneElseChangedIt(DatabaseProvider provider)
    {
        var app = apps[provider];
        for (var round = 0; round < 5; round++)
        {
            var (client, id, _) = await ItemWithPhotoAsync(app);
            var grade = new { grade = "VeryGood", disposition = "resell_used", notes = "copy" };
            var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", grade)));

            Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"a copy was answered {(int)a.StatusCode}: {a.Content.ReadAsStringAsync().Result}"));
            Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
            var ids = await Task.WhenAll(answers.Select(async a => (await a.ReadJsonAsync()).GetProperty("id").GetString()));
            Assert.Single(ids.Distinct());
            Assert.Equal(1, (await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("decisions").GetArrayLength());
        }
    }

    /// <summary>
    /// A supervisor's decision sent again, or in copies at once, is the final label already stored: 200 with it, not 409
    /// "already decided" (two-node pass, 2026-12-05). Another decision on the decided task, or another supervisor's, is
    /// still refused.
    /// </summary>
    [Theory, OnSqlite, OnPostgres]
    public async Task ASupervisorsDecisionSentAgain_IsTheFinalLabelAlreadyStored(DatabaseProvider provider)
    {
        var app = apps[provider];
        var supervisor = app.ApiClient("dev-supervisor");
        async Task<string> ClaimedTaskAsync()
        {
            var (client, id, _) = await ItemWithPhotoAsync(app);
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used", flagForReview = true })).StatusCode);
            var task = (await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("reviews")[0].GetProperty("taskId").GetString()!;
            Assert.Equal(HttpStatusCode.OK, (await supervisor.PostAsync($"/api/v1/review-queue/{task}/claim", null)).StatusCode);
            return task;
        }
        var decision = new { grade = "Acceptable", disposition = "liquidate", reasonCode = "wrong_grade", notes = "dent on the lid" };

        var task = await ClaimedTaskAsync();
        var first = await supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision", decision);
        var again = await supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision", decision);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal((await first.ReadJsonAsync()).GetProperty("id").GetString(), (await again.ReadJsonAsync()).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision", decision with { notes = "changed my mind" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await app.ApiClient("dev-admin").PostAsJsonAsync($"/api/v1/review-queue/{task}/decision", decision)).StatusCode);

        // Copies at once: one label, every copy told so.
        var copied = await ClaimedTaskAsync();
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => supervisor.PostAsJsonAsync($"/api/v1/review-queue/{copied}/decision", decision)));
        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"a copy was answered {(int)a.StatusCode}"));
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
        Assert.Single((await Task.WhenAll(answers.Select(async a => (await a.ReadJsonAsync()).GetProperty("id").GetString()))).Distinct());
    }

    [Theory, OnSqlite, OnPostgres]
    public async Task Grade_WithUnknownValuesAndABoxOutsideThePhoto_IsValidationProblemNamingEachField(DatabaseProvider provider)
    {
        var app = apps[provider];
        var (client, id, photo) = await ItemWithPhotoAsync(app);

        var response = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new
        {
            grade = "Great",
            disposition = "sell",
            damage = new object[]
            {
                new { type = "smudge" },
                new { photoId = photo.GetProperty("photoId").GetString(), type = "dent", box = new[] { 600, 0, 100, 10 } },
                new { photoId = Guid.NewGuid(), type = "dent" },
            },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadJsonAsync()).GetProperty("errors");
        foreach (var field in new[] { "grade", "disposition", "damage[0].type", "damage[1].box", "damage[2].photoId" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        }
        var item = await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        Assert.Equal(0, item.GetProperty("decisions").GetArrayLength());
    }

    /// <summary>
    /// "model" says the model drew the box and nobody changed it: any box was taken so, and stored as the model's
    /// unchecked box, which the review page shows as the model's and training leaves out (exploratory pass, 2026-12-06).
    /// Now only a box the shown model's suggestion on that photo holds, of its type; and the sources that say what
    /// happened to a box are refused for damage marked without one.
    /// </summary>
    [Theory, OnSqlite, OnPostgres]
    public async Task ABoxSentAsTheModels_IsTakenOnlyWhereTheModelDrewIt(DatabaseProvider provider)
    {
        var app = apps[provider];
        var (client, id, photo) = await ItemWithPhotoAsync(app);
        var photoId = photo.GetProperty("photoId").GetString()!;
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<GraderDb>>().CreateDbContextAsync())
        {
            // the shown model's stored suggestion on the photo holds a dent at [40, 50, 60, 70]
            var prediction = await db.Predictions.SingleAsync(p => p.PhotoId == Guid.Parse(photoId) && !p.IsShadow);
            var drawn = new List<Web.Features.Models.SuggestedDamage>(Web.Features.Models.Suggestions.RegionsOf(prediction.RegionsJson)) { new("dent", 0.93, [40, 50, 60, 70]) };
            prediction.RegionsJson = JsonSerializer.Serialize(drawn, JsonSerializerOptions.Web);
            await db.SaveChangesAsync();
        }

        var refused = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new
        {
            grade = "Good", disposition = "resell_used", contradictionReason = "test",
            damage = new object[]
            {
                new { photoId, type = "dent", box = new[] { 41, 50, 60, 70 }, source = "model" },    // not where it drew it
                new { photoId, type = "scratch", box = new[] { 40, 50, 60, 70 }, source = "model" }, // not what it drew there
                new { type = "stain", source = "accepted" },                                          // no box to accept
            },
        });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = (await refused.ReadJsonAsync()).GetProperty("errors");
        foreach (var field in new[] { "damage[0].source", "damage[1].source", "damage[2].source" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        }
        Assert.Contains("did not suggest a dent at [41, 50, 60, 70]", errors.GetProperty("damage[0].source")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("decisions").GetArrayLength());

        var taken = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new
        {
            grade = "Good", disposition = "resell_used", contradictionReason = "test",
            damage = new object[] { new { photoId, type = "dent", box = new[] { 40, 50, 60, 70 }, source = "model" }, new { type = "stain" } },
        });

        Assert.Equal(HttpStatusCode.Created, taken.StatusCode);
        var damage = (await taken.ReadJsonAsync()).GetProperty("damage");
        Assert.Equal(["model", "added"], damage.EnumerateArray().Select(d => d.GetProperty("source").GetString()));
    }

    [Theory, OnSqlite, OnPostgres]
    public async Task Grade_WithAStaleItemVersion_IsConflict_AndKeepsTheAcceptedGrade(DatabaseProvider provider)
    {
        var app = apps[provider];
        var (client, id, _) = await ItemWithPhotoAsync(app);
        var opened = await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        var version = opened.GetProperty("version").GetString();
        var first = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used", itemVersion = version });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        var stale = await app.ApiClient("dev-supervisor").PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "Unsellable", disposition = "recycle", itemVersion = version });

        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal("application/problem+json", stale.Content.Headers.ContentType?.MediaType);
        // What changed, not who: the change may be the caller's own, or a photo set aside (two-node pass, 2026-12-07).
        var problem = await stale.ReadJsonAsync();
        Assert.Equal("Changed meanwhile", problem.GetProperty("title").GetString());
        Assert.StartsWith("Item ", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("changed after you opened it (graded again, or a photo added, set aside or put back)", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var item = await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        Assert.Equal(1, item.GetProperty("decisions").GetArrayLength());
        Assert.Equal("Good", item.GetProperty("decisions")[0].GetProperty("grade").GetString());

        // The first grade's own retry (its answer lost) carries the version that grade changed: it is that grade, not a
        // conflict (it was a 409 "changed by someone else", review of the session's diff, 2026-12-06).
        var retry = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used", itemVersion = version });
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal((await first.ReadJsonAsync()).GetProperty("id").GetString(), (await retry.ReadJsonAsync()).GetProperty("id").GetString());
    }

    [Theory, OnSqlite, OnPostgres]
    public async Task ConcurrencyToken_RejectsTheSecondOfTwoSavesFromTheSameVersion(DatabaseProvider provider)
    {
        var app = apps[provider];
        var id = Guid.Parse((await app.ApiClient().CreateItemAsync(ApiJson.UniquePlate())).GetProperty("id").GetString()!);
        var factory = app.Services.GetRequiredService<IDbContextFactory<GraderDb>>();
        await using var first = await factory.CreateDbContextAsync();
        await using var second = await factory.CreateDbContextAsync();
        var a = await first.ReturnItems.SingleAsync(i => i.Id == id);
        var b = await second.ReturnItems.SingleAsync(i => i.Id == id);

        a.Title = "Changed by A";
        await first.SaveChangesAsync();
        b.Title = "Changed by B";

        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => second.SaveChangesAsync());
    }

    [Theory, OnSqlite, OnPostgres]
    public async Task Grade_ForUnknownItem_IsNotFoundProblem(DatabaseProvider provider)
    {
        var app = apps[provider];
        var response = await app.ApiClient().PostAsJsonAsync($"/api/v1/returns/{Guid.NewGuid()}/grade", new { grade = "Good", disposition = "restock" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
