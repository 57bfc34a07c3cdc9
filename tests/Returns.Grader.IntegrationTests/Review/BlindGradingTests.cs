using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Features.Items;

namespace Returns.Grader.IntegrationTests.Review;

/// <summary>Blind grading hides the suggestion from graders on every path (ADR 0022); how often graders keep a shown suggestion is tracked per associate.</summary>
public sealed class BlindGradingTests
{
    private static readonly string FixtureModel = Path.Combine(RepositoryPaths.Root, "tests", "fixtures", "hf-vit-tiny");

    private static GraderAppFactory App(double blindShare)
    {
        var app = new GraderAppFactory();
        app.Settings["Grader:Vision:ModelDirectory"] = FixtureModel; // deterministic suggestions
        app.Settings["Grader:Review:BlindShare"] = blindShare.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return app;
    }

    /// <summary>An item with one photo, uploaded by <paramref name="uploader"/>; the suggestion as a supervisor sees it (blind or not).</summary>
    private static async Task<(string Id, string Suggested)> ItemWithSuggestionAsync(GraderAppFactory app, HttpClient uploader)
    {
        var id = (await uploader.CreateItemAsync(ApiJson.UniquePlate("BL"))).GetProperty("id").GetString()!;
        var upload = await uploader.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("p.jpg", TestPhotos.PhotoLikeJpeg(640, 480), "image/jpeg")));
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var item = await (await app.ApiClient("dev-supervisor").GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        return (id, item.GetProperty("suggestion").GetProperty("grade").GetString()!);
    }

    [Fact]
    public async Task BlindItem_ShowsNoSuggestionAtTheStation_AndItsDecisionIsMarkedBlind()
    {
        using var app = App(blindShare: 1);
        var client = app.ApiClient();
        var (id, suggested) = await ItemWithSuggestionAsync(app, client);

        var station = await app.Services.GetRequiredService<ReturnItems>().GetForStationAsync(Guid.Parse(id), CancellationToken.None);
        var decision = await (await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = suggested, disposition = "liquidate" })).ReadJsonAsync();
        var acceptance = await (await app.ApiClient("dev-supervisor").GetAsync("/api/v1/quality/suggestion-acceptance")).ReadJsonAsync();

        Assert.True(station!.Blind);
        Assert.Null(station.Suggestion);
        Assert.True(decision.GetProperty("blind").GetBoolean());
        var mine = acceptance.EnumerateArray().Single(a => a.GetProperty("associateId").GetString() == "apikey:dev-grader");
        Assert.Equal((0, 1, 1), (mine.GetProperty("shown").GetInt32(), mine.GetProperty("blind").GetInt32(), mine.GetProperty("blindAgreed").GetInt32()));
    }

    /// <summary>
    /// Issue 17 item 4: the station hid the suggestion while the API gave it to the same grader with "blind": false.
    /// A grader's every path (the item by id, by plate, the upload's answer, the item's decisions) is blind; a supervisor
    /// reviewing still sees the suggestion, told that the item is blind (ADR 0022).
    /// </summary>
    [Fact]
    public async Task BlindItem_IsBlindOnEveryApiPathAGraderReaches_ButNotForASupervisor()
    {
        using var app = App(blindShare: 1);
        var grader = app.ApiClient();
        var plate = ApiJson.UniquePlate("BL");
        var id = (await grader.CreateItemAsync(plate)).GetProperty("id").GetString()!;

        var upload = await (await grader.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("p.jpg", TestPhotos.PhotoLikeJpeg(640, 480), "image/jpeg")))).ReadJsonAsync();
        var supervisorView = await (await app.ApiClient("dev-supervisor").GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        var suggested = supervisorView.GetProperty("suggestion").GetProperty("grade").GetString();
        var graded = await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = suggested, disposition = "liquidate" });
        var replayed = await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = suggested, disposition = "liquidate" });
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (graded.StatusCode, replayed.StatusCode));
        // The answer to the grader's own grade, first and sent again, carried the model's grade (review of the items API, 2026-12-06).
        foreach (var answer in new[] { await graded.ReadJsonAsync(), await replayed.ReadJsonAsync() })
        {
            Assert.True(answer.GetProperty("blind").GetBoolean());
            Assert.Equal(JsonValueKind.Null, answer.GetProperty("suggestedGrade").ValueKind);
            Assert.Equal(JsonValueKind.Null, answer.GetProperty("suggestedByModel").ValueKind);
        }
        var byId = await (await grader.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        var byPlate = await (await grader.GetAsync($"/api/v1/returns?returnId={plate}")).ReadJsonAsync();
        var supervisorAfter = await (await app.ApiClient("dev-supervisor").GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();

        Assert.Equal(JsonValueKind.Null, upload.GetProperty("photos")[0].GetProperty("suggestion").ValueKind);
        foreach (var view in new[] { byId, byPlate })
        {
            Assert.True(view.GetProperty("blind").GetBoolean());
            Assert.Equal(JsonValueKind.Null, view.GetProperty("suggestion").ValueKind);
            // The decision the grader made carries the model's grade too (for the quality figures): not for the grader's eyes.
            var decision = Assert.Single(view.GetProperty("decisions").EnumerateArray());
            Assert.Equal(JsonValueKind.Null, decision.GetProperty("suggestedGrade").ValueKind);
            Assert.Equal(JsonValueKind.Null, decision.GetProperty("suggestedByModel").ValueKind);
        }
        Assert.True(supervisorView.GetProperty("blind").GetBoolean());
        Assert.Equal(JsonValueKind.Object, supervisorView.GetProperty("suggestion").ValueKind);
        Assert.Equal(suggested, Assert.Single(supervisorAfter.GetProperty("decisions").EnumerateArray()).GetProperty("suggestedGrade").GetString());
    }

    [Fact]
    public async Task ItemNotDrawnBlind_ShowsTheSuggestionToTheGrader_AndSaysItIsNotBlind()
    {
        using var app = App(blindShare: 0);
        var grader = app.ApiClient();
        var id = (await grader.CreateItemAsync(ApiJson.UniquePlate("BL"))).GetProperty("id").GetString()!;

        var upload = await (await grader.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("p.jpg", TestPhotos.PhotoLikeJpeg(640, 480), "image/jpeg")))).ReadJsonAsync();
        var item = await (await grader.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();

        Assert.Equal(JsonValueKind.Object, upload.GetProperty("photos")[0].GetProperty("suggestion").ValueKind);
        Assert.False(item.GetProperty("blind").GetBoolean());
        Assert.Equal(JsonValueKind.Object, item.GetProperty("suggestion").ValueKind);
    }

    [Fact]
    public async Task ShareOfSuggestionsKeptUnchanged_IsTrackedPerAssociate()
    {
        using var app = App(blindShare: 0);
        var client = app.ApiClient();
        var (kept, suggested) = await ItemWithSuggestionAsync(app, client);
        var (changed, _) = await ItemWithSuggestionAsync(app, client);
        var other = suggested == "Unsellable" ? "LikeNew" : "Unsellable";

        await client.PostAsJsonAsync($"/api/v1/returns/{kept}/grade", new { grade = suggested, disposition = "liquidate" });
        await client.PostAsJsonAsync($"/api/v1/returns/{changed}/grade", new { grade = other, disposition = "liquidate" });
        var forbidden = await client.GetAsync("/api/v1/quality/suggestion-acceptance");
        var acceptance = await (await app.ApiClient("dev-data").GetAsync("/api/v1/quality/suggestion-acceptance")).ReadJsonAsync();

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        var mine = acceptance.EnumerateArray().Single(a => a.GetProperty("associateId").GetString() == "apikey:dev-grader");
        Assert.Equal(2, mine.GetProperty("shown").GetInt32());
        Assert.Equal(1, mine.GetProperty("acceptedUnchanged").GetInt32());
        Assert.Equal(0.5, mine.GetProperty("acceptedShare").GetDouble());
    }
}
