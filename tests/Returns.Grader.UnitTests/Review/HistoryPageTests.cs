using System.Net.Http.Json;
using Bunit;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Features.Review;

namespace Returns.Grader.UnitTests.Review;

/// <summary>"My grades" through the real review desk on SQLite (issue 17): searchable by plate, paged, newest first.</summary>
/// <remarks>The user is the app's dev-grader key, so that grades given through the API are this user's history.</remarks>
public sealed class HistoryPageTests() : RealAppTestBase("dev-grader (development key)", Roles.Grader, "apikey:dev-grader")
{
    [Fact]
    public async Task Search_FindsAGradeByPartOfItsPlate_InAnyCase()
    {
        var api = App.ApiClient();
        var plates = new[] { ApiJson.UniquePlate("HA"), ApiJson.UniquePlate("HB") };
        foreach (var plate in plates)
        {
            var id = (await api.CreateItemAsync(plate)).GetProperty("id").GetString();
            (await api.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "LikeNew", disposition = "restock", damage = Array.Empty<object>() }))
                .EnsureSuccessStatusCode();
        }

        var page = Render<HistoryPage>();
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=outcome]").Count));
        Assert.Contains(plates[1], page.FindAll("tbody tr")[0].TextContent); // newest first

        // InputAsync, not Input: Input does not wait for MudTextField's handler, and CI once asserted before the filter ran.
        // A placeholder is not a name: a screen reader announced an unnamed edit field.
        Assert.Equal("Search my grades by licence plate or title", page.Find("input[data-testid=history-search]").GetAttribute("aria-label"));
        await page.Find("input[data-testid=history-search]").InputAsync(plates[0][3..8].ToLowerInvariant());

        page.WaitForAssertion(() =>
            Assert.Equal(plates[0], Assert.Single(page.FindAll("[data-testid=outcome]")).GetAttribute("data-return-id")));
    }

    /// <summary>
    /// A supervisor who kept the grade but corrected the disposition did not approve it: the page said "Approved by …
    /// (Wrong disposition)" whenever the grade was unchanged (exploratory pass, 2026-12-06).
    /// </summary>
    [Fact]
    public async Task AKeptGradeWhoseDispositionTheSupervisorCorrected_IsNotCalledApproved()
    {
        var api = App.ApiClient();
        var supervisor = App.ApiClient("dev-supervisor");
        var plates = new[] { ApiJson.UniquePlate("HK"), ApiJson.UniquePlate("HP") };
        foreach (var (plate, disposition, reason) in new[] { (plates[0], "refurbish", "wrong_disposition"), (plates[1], "resell_used", "approved") })
        {
            var id = (await api.CreateItemAsync(plate)).GetProperty("id").GetString();
            (await api.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "VeryGood", disposition = "resell_used", flagForReview = true }))
                .EnsureSuccessStatusCode();
            var task = (await (await api.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("reviews")[0].GetProperty("taskId").GetString();
            (await supervisor.PostAsync($"/api/v1/review-queue/{task}/claim", null)).EnsureSuccessStatusCode();
            (await supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision", new { grade = "VeryGood", disposition, reasonCode = reason }))
                .EnsureSuccessStatusCode();
        }

        var page = Render<HistoryPage>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=outcome]").Count));
        string Outcome(string plate) => page.Find($"[data-testid=outcome][data-return-id={plate}]").TextContent.Trim();
        Assert.StartsWith("Grade kept, corrected by dev-supervisor", Outcome(plates[0]));
        Assert.Contains("Wrong disposition", Outcome(plates[0]));
        Assert.StartsWith("Approved by dev-supervisor", Outcome(plates[1]));
    }
}
