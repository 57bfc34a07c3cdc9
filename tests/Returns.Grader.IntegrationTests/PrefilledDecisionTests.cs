using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;

namespace Returns.Grader.IntegrationTests;

/// <summary>A decision records which fields were prefilled and which the person chose: a label nobody chose is never stored as chosen.</summary>
public sealed class PrefilledDecisionTests(GraderAppFactory app) : IClassFixture<GraderAppFactory>
{
    private static readonly byte[] LikeNewSample = File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "models", "samples", "01-likenew.jpg"));

    /// <summary>An item with the sample photo the shipped model suggests Like new for: a grade can be filled in from it.</summary>
    private static async Task<string> SuggestedLikeNewAsync(HttpClient client, string prefix)
    {
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate(prefix))).GetProperty("id").GetString()!;
        var upload = await (await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("likenew.jpg", LikeNewSample, "image/jpeg")))).ReadJsonAsync();
        Assert.Equal("LikeNew", upload.GetProperty("photos")[0].GetProperty("suggestion").GetProperty("grade").GetString());
        return id;
    }

    [Fact]
    public async Task ADecision_StoresWhichFieldsWerePrefilled_AndAnythingNotSaidSoIsChosen()
    {
        var client = app.ApiClient();
        var id = await SuggestedLikeNewAsync(client, "PRE");

        // As the station saves a preselected grade with a disposition the associate picked.
        var prefilled = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "LikeNew", disposition = "donate", gradePrefilled = true, dispositionPrefilled = false });
        // An API client that says nothing about prefills chose what it sent.
        var chosen = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "Good", disposition = "resell_used", damage = new[] { new { type = "dent" } } });

        Assert.Equal(HttpStatusCode.Created, prefilled.StatusCode);
        Assert.Equal(HttpStatusCode.Created, chosen.StatusCode);
        var first = await prefilled.ReadJsonAsync();
        Assert.True(first.GetProperty("gradePrefilled").GetBoolean());
        Assert.False(first.GetProperty("dispositionPrefilled").GetBoolean());
        var second = await chosen.ReadJsonAsync();
        Assert.False(second.GetProperty("gradePrefilled").GetBoolean());
        Assert.False(second.GetProperty("dispositionPrefilled").GetBoolean());

        await using var db = await app.Services.GetRequiredService<IDbContextFactory<GraderDb>>().CreateDbContextAsync();
        var stored = await db.GradeDecisions.Where(d => d.ReturnItemId == Guid.Parse(id)).OrderBy(d => d.DecidedAt).ThenBy(d => d.Id)
            .Select(d => new { d.Grade, d.GradePrefilled, d.DispositionPrefilled }).ToListAsync();
        Assert.Equal(
            new[] { new { Grade = Grade.LikeNew, GradePrefilled = true, DispositionPrefilled = false }, new { Grade = Grade.Good, GradePrefilled = false, DispositionPrefilled = false } },
            stored);
        var history = (await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("decisions");
        Assert.True(history[0].GetProperty("gradePrefilled").GetBoolean());
        Assert.False(history[1].GetProperty("gradePrefilled").GetBoolean());
    }

    /// <summary>
    /// A correction that leaves the grade as stored (the station prefills it) is a model's answer only when the stored
    /// grade was one, untouched: a grade a person chose stays theirs when only the disposition is corrected.
    /// </summary>
    [Fact]
    public async Task ACorrectionKeepingTheGrade_IsPrefilledOnlyWhenTheGradeItKeepsWas()
    {
        var client = app.ApiClient();
        async Task<bool> CorrectedAsync(bool firstPrefilled)
        {
            var id = await SuggestedLikeNewAsync(client, "COR");
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
                new { grade = "LikeNew", disposition = "restock", gradePrefilled = firstPrefilled })).StatusCode);
            var correction = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
                new { grade = "LikeNew", disposition = "donate", gradePrefilled = true });
            Assert.Equal(HttpStatusCode.Created, correction.StatusCode);
            var resent = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
                new { grade = "LikeNew", disposition = "donate", gradePrefilled = true }); // a retry is the same decision
            Assert.Equal(HttpStatusCode.OK, resent.StatusCode);
            return (await correction.ReadJsonAsync()).GetProperty("gradePrefilled").GetBoolean();
        }

        Assert.False(await CorrectedAsync(firstPrefilled: false)); // the associate's own grade, kept: still theirs
        Assert.True(await CorrectedAsync(firstPrefilled: true));   // the model's prefill, still untouched
    }

    /// <summary>
    /// The same for the disposition: one a person chose, which the station fills into a correction of the grade alone, is
    /// still theirs; one the rules give for the new grade is filled in. It was stored as filled in either way (review of
    /// the station, 2026-12-06).
    /// </summary>
    [Theory]
    [InlineData(false, "resell_used", false)] // the associate's own disposition, kept: still theirs
    [InlineData(true, "resell_used", true)]   // the rules' disposition, still untouched
    [InlineData(false, "liquidate", true)]    // the rules' one for the new grade, filled in
    public async Task ACorrectionKeepingTheDisposition_IsPrefilledOnlyWhenTheDispositionItKeepsWas(bool firstPrefilled, string corrected, bool expected)
    {
        var client = app.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate("DCO"))).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "Good", disposition = "resell_used", dispositionPrefilled = firstPrefilled })).StatusCode);

        var correction = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "Acceptable", disposition = corrected, dispositionPrefilled = true, contradictionReason = "worn" });

        Assert.Equal(HttpStatusCode.Created, correction.StatusCode);
        Assert.Equal(expected, (await correction.ReadJsonAsync()).GetProperty("dispositionPrefilled").GetBoolean());
    }
}
