using System.Net;
using System.Net.Http.Json;
using Returns.Grader.TestSupport;

namespace Returns.Grader.IntegrationTests;

/// <summary>
/// What a grade says was filled in and left as it was decides whether it counts as a person's label (exports, model
/// comparisons). A claim is turned into a choice only where a person made that choice before (a correction that keeps
/// the grade someone chose); any other claim stays "filled in". A correction claiming a prefill of a grade other than
/// the one it corrects was stored as the grader's choice (API fuzz, 2026-12-06). With the shipped model on the sample
/// photo it calls Like new.
/// </summary>
public sealed class PrefillClaimTests(GraderAppFactory app) : IClassFixture<GraderAppFactory>
{
    private static readonly byte[] LikeNewSample = File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "models", "samples", "01-likenew.jpg"));

    [Fact]
    public async Task ACorrectionClaimingAFilledInGrade_OtherThanTheOneItCorrects_IsNeverStoredAsChosen()
    {
        var grader = app.ApiClient();
        var id = (await grader.CreateItemAsync(ApiJson.UniquePlate("PF"), 30m, "Kitchen")).GetProperty("id").GetString()!;
        var upload = await (await grader.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("likenew.jpg", LikeNewSample, "image/jpeg")))).ReadJsonAsync();
        Assert.Equal("LikeNew", upload.GetProperty("photos")[0].GetProperty("suggestion").GetProperty("grade").GetString()); // the premise
        Assert.Equal(HttpStatusCode.Created, (await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used" })).StatusCode);

        var suggestion = await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "LikeNew", disposition = "restock", gradePrefilled = true, dispositionPrefilled = true });

        Assert.Equal(HttpStatusCode.Created, suggestion.StatusCode);
        var stored = await suggestion.ReadJsonAsync();
        Assert.True(stored.GetProperty("gradePrefilled").GetBoolean());       // it was stored as the grader's choice
        Assert.True(stored.GetProperty("dispositionPrefilled").GetBoolean());

        // A correction of the disposition only keeps the grade as it was: filled in, since nobody ever chose it.
        var kept = await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "LikeNew", disposition = "donate", gradePrefilled = true });
        Assert.True((await kept.ReadJsonAsync()).GetProperty("gradePrefilled").GetBoolean());
    }
}
