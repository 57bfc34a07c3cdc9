using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Returns.Grader.TestSupport;

namespace Returns.Grader.IntegrationTests;

/// <summary>
/// What a grade says was filled in and left as it was decides whether it is a person's label (exports, model
/// comparisons). The station fills a form in from the model's suggestion and the site's rules, and a correction's form
/// with the grade it corrects: a claim of anything else is refused naming the field, never stored as claimed nor quietly
/// as the person's choice (API fuzz, 2026-12-06), with the shipped model on the sample photo it calls Like new.
/// </summary>
public sealed class PrefillClaimTests(GraderAppFactory app) : IClassFixture<GraderAppFactory>
{
    private static readonly byte[] LikeNewSample = File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "models", "samples", "01-likenew.jpg"));

    private static async Task<string> ItemSuggestedLikeNewAsync(HttpClient grader)
    {
        var id = (await grader.CreateItemAsync(ApiJson.UniquePlate("PF"), 30m, "Kitchen")).GetProperty("id").GetString()!;
        var upload = await (await grader.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("likenew.jpg", LikeNewSample, "image/jpeg")))).ReadJsonAsync();
        Assert.Equal("LikeNew", upload.GetProperty("photos")[0].GetProperty("suggestion").GetProperty("grade").GetString()); // the premise
        return id;
    }

    private static async Task<JsonElement> RefusalAsync(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadJsonAsync();
        return problem.GetProperty("errors").GetProperty(field)[0];
    }

    [Fact]
    public async Task AFirstGrade_MayBeFilledInOnlyFromTheSuggestionAndTheRules()
    {
        var grader = app.ApiClient();
        var id = await ItemSuggestedLikeNewAsync(grader);

        var notTheSuggestion = await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used", gradePrefilled = true });
        Assert.Contains("Good was not", (await RefusalAsync(notTheSuggestion, "gradePrefilled")).GetString(), StringComparison.Ordinal);
        var notTheRule = await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "LikeNew", disposition = "donate", dispositionPrefilled = true });
        Assert.Contains("restock for LikeNew in Kitchen", (await RefusalAsync(notTheRule, "dispositionPrefilled")).GetString(), StringComparison.Ordinal);
        Assert.Empty((await (await grader.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("decisions").EnumerateArray());

        var filledIn = await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "LikeNew", disposition = "restock", gradePrefilled = true, dispositionPrefilled = true });
        Assert.Equal(HttpStatusCode.Created, filledIn.StatusCode);
        var stored = await filledIn.ReadJsonAsync();
        Assert.True(stored.GetProperty("gradePrefilled").GetBoolean());
        Assert.True(stored.GetProperty("dispositionPrefilled").GetBoolean());
    }

    [Fact]
    public async Task ACorrection_ClaimingAGradeNobodyFilledIn_IsRefused_NotStoredAsChosen_AndTheSuggestionLeftAsItWasStaysPrefilled()
    {
        var grader = app.ApiClient();
        var id = await ItemSuggestedLikeNewAsync(grader);
        Assert.Equal(HttpStatusCode.Created, (await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used" })).StatusCode);

        // Acceptable is neither the suggestion nor the grade corrected: it was stored as the grader's choice.
        var neither = await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Acceptable", disposition = "resell_used", gradePrefilled = true });
        Assert.Contains("or the grade it corrects (Good)", (await RefusalAsync(neither, "gradePrefilled")).GetString(), StringComparison.Ordinal);

        // The suggestion left as the form had it (a first grade that a conflict made a correction) stays filled in.
        var suggestion = await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "LikeNew", disposition = "resell_used", gradePrefilled = true, dispositionPrefilled = true });
        Assert.Equal(HttpStatusCode.Created, suggestion.StatusCode);
        var stored = await suggestion.ReadJsonAsync();
        Assert.True(stored.GetProperty("gradePrefilled").GetBoolean());
        Assert.False(stored.GetProperty("dispositionPrefilled").GetBoolean()); // the grader's own, carried over: still chosen
    }

    [Fact]
    public async Task OnABlindItem_NoGradeWasFilledIn()
    {
        using var blindApp = new GraderAppFactory { Settings = { ["Grader:Review:BlindShare"] = "1" } };
        var grader = blindApp.ApiClient();
        var id = (await grader.CreateItemAsync(ApiJson.UniquePlate("PB"), 30m, "Kitchen")).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await grader.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("likenew.jpg", LikeNewSample, "image/jpeg")))).StatusCode);

        var claimed = await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "LikeNew", disposition = "restock", gradePrefilled = true });

        Assert.Contains("none was shown for this item", (await RefusalAsync(claimed, "gradePrefilled")).GetString(), StringComparison.Ordinal);
    }
}
