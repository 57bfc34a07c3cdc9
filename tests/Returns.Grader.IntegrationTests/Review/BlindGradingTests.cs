using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Features.Items;

namespace Returns.Grader.IntegrationTests.Review;

/// <summary>Blind grading hides the suggestion at the station; how often graders keep a shown suggestion is tracked per associate.</summary>
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

    private static async Task<(string Id, string Suggested)> ItemWithSuggestionAsync(HttpClient client)
    {
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate("BL"))).GetProperty("id").GetString()!;
        var upload = await (await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("p.jpg", TestPhotos.PhotoLikeJpeg(640, 480), "image/jpeg")))).ReadJsonAsync();
        return (id, upload.GetProperty("photos")[0].GetProperty("suggestion").GetProperty("grade").GetString()!);
    }

    [Fact]
    public async Task BlindItem_ShowsNoSuggestionAtTheStation_AndItsDecisionIsMarkedBlind()
    {
        using var app = App(blindShare: 1);
        var client = app.ApiClient();
        var (id, suggested) = await ItemWithSuggestionAsync(client);

        var station = await app.Services.GetRequiredService<ReturnItems>().GetForStationAsync(Guid.Parse(id), CancellationToken.None);
        var api = await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        var decision = await (await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = suggested, disposition = "liquidate" })).ReadJsonAsync();
        var acceptance = await (await app.ApiClient("dev-supervisor").GetAsync("/api/v1/quality/suggestion-acceptance")).ReadJsonAsync();

        Assert.True(station!.Blind);
        Assert.Null(station.Suggestion);
        Assert.Equal(JsonValueKind.Object, api.GetProperty("suggestion").ValueKind); // systems still see it
        Assert.True(decision.GetProperty("blind").GetBoolean());
        var mine = acceptance.EnumerateArray().Single(a => a.GetProperty("associateId").GetString() == "apikey:dev-grader");
        Assert.Equal((0, 1, 1), (mine.GetProperty("shown").GetInt32(), mine.GetProperty("blind").GetInt32(), mine.GetProperty("blindAgreed").GetInt32()));
    }

    [Fact]
    public async Task ShareOfSuggestionsKeptUnchanged_IsTrackedPerAssociate()
    {
        using var app = App(blindShare: 0);
        var client = app.ApiClient();
        var (kept, suggested) = await ItemWithSuggestionAsync(client);
        var (changed, _) = await ItemWithSuggestionAsync(client);
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
