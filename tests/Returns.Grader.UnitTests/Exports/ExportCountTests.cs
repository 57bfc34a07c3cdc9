using System.Net.Http.Json;
using Bunit;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Features.Exports;

namespace Returns.Grader.UnitTests.Exports;

/// <summary>The exports page through the real services on SQLite (issue 17): how many items an export would hold, before it runs.</summary>
public sealed class ExportCountTests() : RealAppTestBase("Test Data", Roles.DataScientist, "test:data")
{
    [Fact]
    public async Task CountItems_SaysHowManyGradedItemsWithPhotosMatch_AndThatAnEmptyExportWouldBeEmpty()
    {
        var api = App.ApiClient();
        var category = "Count" + Guid.NewGuid().ToString("N")[..6];
        for (var i = 0; i < 4; i++)
        {
            var id = (await api.CreateItemAsync(ApiJson.UniquePlate("EX"), category: category)).GetProperty("id").GetString();
            if (i < 3) // the fourth is graded without a photo: an image dataset leaves it out
            {
                (await api.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("p.jpg", TestPhotos.HalfRedHalfBlueJpeg(), "image/jpeg"))))
                    .EnsureSuccessStatusCode();
            }
            (await api.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used", damage = Array.Empty<object>() }))
                .EnsureSuccessStatusCode();
        }
        await api.CreateItemAsync(ApiJson.UniquePlate("EX"), category: category); // not graded: not in an export
        var page = Render<ExportsPage>();

        await page.Find("input[data-testid=export-categories]").InputAsync(category); // waits for the handler, so the count sees it
        page.Find("[data-testid=export-count]").Click();
        page.WaitForAssertion(() => Assert.Equal("3 graded items with photos match these filters now.", page.FindAll("[data-testid=export-preview]").SingleOrDefault()?.TextContent.Trim() ?? page.Markup));

        // Any case finds the same items; a count stands only for the form it was taken on (it stayed when a filter changed).
        await page.Find("input[data-testid=export-categories]").InputAsync(category.ToUpperInvariant());
        Assert.Empty(page.FindAll("[data-testid=export-preview]"));
        page.Find("[data-testid=export-count]").Click();
        page.WaitForAssertion(() => Assert.Equal("3 graded items with photos match these filters now.", page.FindAll("[data-testid=export-preview]").SingleOrDefault()?.TextContent.Trim() ?? page.Markup));
        Assert.Empty(page.FindAll("[data-testid=export-unknown-categories]")); // a category in another case is known

        // A category no item has is said, beside what the others count (it was passed over without a word: exploratory pass).
        var misspelt = "Nosuch" + Guid.NewGuid().ToString("N")[..6];
        await page.Find("input[data-testid=export-categories]").InputAsync($"{category}, {misspelt}");
        page.Find("[data-testid=export-count]").Click();
        page.WaitForAssertion(() => Assert.Equal($"No item has the category \"{misspelt}\": check the spelling.",
            page.FindAll("[data-testid=export-unknown-categories]").SingleOrDefault()?.TextContent.Trim() ?? page.Markup));
        Assert.Equal("3 graded items with photos match these filters now.", page.Find("[data-testid=export-preview]").TextContent.Trim());

        await page.Find("input[data-testid=export-categories]").InputAsync("NoSuchCategory");
        Assert.Empty(page.FindAll("[data-testid=export-preview]"));
        page.Find("[data-testid=export-count]").Click();
        page.WaitForAssertion(() => Assert.StartsWith("No graded item with a photo matches", page.Find("[data-testid=export-preview]").TextContent.Trim(), StringComparison.Ordinal));
    }
}
