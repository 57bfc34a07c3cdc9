using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Returns.Grader.TestSupport;

namespace Returns.Grader.IntegrationTests.Review;

/// <summary>Each routing reason, driven through the real API and stored on the item's review task.</summary>
public sealed class ReviewRoutingTests(GraderAppFactory app) : IClassFixture<GraderAppFactory>
{
    private static async Task<string[]> ReasonsAfterGradingAsync(GraderAppFactory factory, object grade, decimal unitValue = 25m, bool withPhoto = false)
    {
        var client = factory.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate("RT"), unitValue)).GetProperty("id").GetString();
        if (withPhoto)
        {
            var upload = await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("p.jpg", TestPhotos.PhotoLikeJpeg(640, 480), "image/jpeg")));
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        }
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", grade)).StatusCode);
        var item = await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        var reviews = item.GetProperty("reviews").EnumerateArray().ToList();
        Assert.Equal(reviews.Count > 0 ? "InReview" : "Graded", item.GetProperty("status").GetString());
        return reviews.SelectMany(r => r.GetProperty("reasons").EnumerateArray().Select(x => x.GetString()!)).ToArray();
    }

    [Fact]
    public async Task ConsistentLowValueUnflaggedGrade_IsNotReviewed() =>
        Assert.Empty(await ReasonsAfterGradingAsync(app, new { grade = "LikeNew", disposition = "restock" }));

    [Fact]
    public async Task HighValueItem_IsReviewed() =>
        Assert.Equal(["HighValue"], await ReasonsAfterGradingAsync(app, new { grade = "LikeNew", disposition = "restock" }, unitValue: 500m));

    [Fact]
    public async Task FlaggedItem_IsReviewed() =>
        Assert.Equal(["Flagged"], await ReasonsAfterGradingAsync(app, new { grade = "LikeNew", disposition = "restock", flagForReview = true }));

    [Fact]
    public async Task GradeContradictingTheRubric_IsReviewed() =>
        Assert.Equal(["ContradictsRubric"], await ReasonsAfterGradingAsync(app,
            new { grade = "LikeNew", disposition = "restock", damage = new[] { new { type = "crack" } }, contradictionReason = "box only" }));

    [Fact]
    public async Task AuditSample_TakesTheConfiguredShare()
    {
        using var everything = new GraderAppFactory();
        everything.Settings["Grader:Review:AuditShare"] = "1";

        Assert.Equal(["AuditSample"], await ReasonsAfterGradingAsync(everything, new { grade = "LikeNew", disposition = "restock" }));
    }

    [Fact]
    public async Task ModelReasons_LowConfidenceSmallMarginAndDisagreement_AreReviewed()
    {
        // The tiny Hugging Face fixture model gives a deterministic, unsure suggestion; the thresholds make every
        // model-based reason hold, so each is exercised through the real upload → predict → grade path.
        using var strict = new GraderAppFactory();
        strict.Settings["Grader:Vision:ModelDirectory"] = Path.Combine(RepositoryPaths.Root, "tests", "fixtures", "hf-vit-tiny");
        strict.Settings["Grader:Review:LowConfidenceThreshold"] = "1";
        strict.Settings["Grader:Review:SmallMarginThreshold"] = "1";
        strict.Settings["Grader:Review:DisagreementGrades"] = "1";
        var client = strict.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate("RT"))).GetProperty("id").GetString();
        var upload = await (await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("p.jpg", TestPhotos.PhotoLikeJpeg(640, 480), "image/jpeg")))).ReadJsonAsync();
        var suggested = upload.GetProperty("photos")[0].GetProperty("suggestion").GetProperty("grade").GetString();
        var different = suggested == "Unsellable" ? "LikeNew" : "Unsellable";
        var damage = different == "Unsellable" ? new[] { new { type = "missing_part" } } : [];

        await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = different, disposition = "liquidate", damage });

        var item = await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        var reasons = item.GetProperty("reviews")[0].GetProperty("reasons").EnumerateArray().Select(r => r.GetString()).ToList();
        Assert.Equal(["LowConfidence", "SmallMargin", "DisagreesWithModel"], reasons);
        var decision = item.GetProperty("decisions")[0];
        Assert.Equal(suggested, decision.GetProperty("suggestedGrade").GetString());
        Assert.Equal("hf-vit-tiny@hf-4.46.0", decision.GetProperty("suggestedByModel").GetString());
    }

    [Fact]
    public async Task ASecondGradesReasons_AreTheOpenTasks_InsteadOfQueuingTheItemTwice()
    {
        var client = app.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate("RT"), 600m)).GetProperty("id").GetString();
        await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "LikeNew", disposition = "restock" });
        await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used", flagForReview = true });

        var item = await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();

        var review = Assert.Single(item.GetProperty("reviews").EnumerateArray());
        Assert.Equal(["ContradictsRubric", "HighValue", "Flagged"], review.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
    }

    /// <summary>
    /// The open task's reasons that judge a grade are the grade under review's: a correction consistent with the rubric
    /// leaves "ContradictsRubric" behind (it stayed: exploratory pass, 2026-12-06); a person's flag stays, whoever
    /// corrects the grade (ADR 0056); a correction with no reason of its own keeps the task open with the reasons it was
    /// queued for.
    /// </summary>
    [Fact]
    public async Task ACorrectionsReasons_ReplaceThoseOfTheGradeItReplaced_ButTheFlagStays()
    {
        var client = app.ApiClient();
        var valuable = (await client.CreateItemAsync(ApiJson.UniquePlate("RT"), 600m)).GetProperty("id").GetString();
        (await client.PostAsJsonAsync($"/api/v1/returns/{valuable}/grade", new { grade = "Good", disposition = "resell_used", flagForReview = true })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync($"/api/v1/returns/{valuable}/grade", new { grade = "LikeNew", disposition = "restock" })).EnsureSuccessStatusCode();

        var review = Assert.Single((await (await client.GetAsync($"/api/v1/returns/{valuable}")).ReadJsonAsync()).GetProperty("reviews").EnumerateArray());
        Assert.Equal(["HighValue", "Flagged"], review.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));

        var cheap = (await client.CreateItemAsync(ApiJson.UniquePlate("RT"), 5m)).GetProperty("id").GetString();
        (await client.PostAsJsonAsync($"/api/v1/returns/{cheap}/grade", new { grade = "Good", disposition = "resell_used" })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync($"/api/v1/returns/{cheap}/grade", new { grade = "LikeNew", disposition = "restock", notes = "looked again" })).EnsureSuccessStatusCode();

        var item = await (await client.GetAsync($"/api/v1/returns/{cheap}")).ReadJsonAsync();
        Assert.Equal("InReview", item.GetProperty("status").GetString());
        review = Assert.Single(item.GetProperty("reviews").EnumerateArray());
        Assert.Equal(["ContradictsRubric"], review.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
    }
}
