using System.Text.Json;
using Microsoft.Playwright;
using Returns.Grader.TestSupport;

namespace Returns.Grader.E2ETests;

/// <summary>The station with the shipped model: the suggestion is the associate's starting point, and what they do to it is stored.</summary>
public sealed class SuggestionStationTests(BrowserAppWithModelFixture fixture) : IClassFixture<BrowserAppWithModelFixture>
{
    [Fact]
    public async Task SuggestedGradeIsPreselected_RegionsAreShown_AndARejectedRegionIsStoredAsDeleted()
    {
        var plate = ApiJson.UniquePlate("E2E");
        await fixture.App.ApiClient().CreateItemAsync(plate);
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/station");
        await page.FillAsync("#name", "Hal Suggest");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("#scan")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(plate);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByTestId("item-return-id")).ToHaveTextAsync(plate);

        // A damaged sample photo shipped for newcomers (models/samples) on which every model since 2.0.0 finds regions
        // (the samples README lists what the shipped model suggests for each; 2.2.0 found none on 09-unsellable.jpg).
        var sample = await File.ReadAllBytesAsync(Path.Combine(RepositoryPaths.Root, "models", "samples", "08-unsellable.jpg"));
        await page.GetByTestId("file-input").SetInputFilesAsync(new FilePayload { Name = "sample.jpg", MimeType = "image/jpeg", Buffer = sample });
        await Assertions.Expect(page.GetByTestId("suggestion")).ToContainTextAsync("grader-vit-v1@");

        var item = await GetItemAsync(plate);
        var suggested = item.GetProperty("suggestion").GetProperty("grade").GetString();
        await Assertions.Expect(page.Locator($"[data-grade={suggested}]")).ToHaveAttributeAsync("aria-checked", "true");
        var regions = item.GetProperty("suggestion").GetProperty("damage").GetArrayLength();
        await Assertions.Expect(page.Locator("[data-testid=regions] .region-row")).ToHaveCountAsync(regions);
        Assert.True(regions > 0, "the sample photo's damage should give at least one suggested region");

        await page.GetByTestId("region-toggle").First.ClickAsync();
        await Assertions.Expect(page.Locator("[data-region-source=deleted]")).ToHaveCountAsync(1);
        // Whatever the rubric now says, give a reason if asked, then save.
        if (await page.GetByTestId("contradiction").CountAsync() > 0)
        {
            await page.Locator("input[data-testid=contradiction-reason], [data-testid=contradiction-reason] input").First.FillAsync("checked by hand");
        }
        await page.GetByTestId("submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("item")).ToHaveCountAsync(0);

        var decision = (await GetItemAsync(plate)).GetProperty("decisions")[0];
        Assert.StartsWith("grader-vit-v1@", decision.GetProperty("suggestedByModel").GetString());
        var sources = decision.GetProperty("damage").EnumerateArray().Select(d => d.GetProperty("source").GetString()).ToList();
        Assert.Equal(1, sources.Count(s => s == "Deleted"));
        Assert.Equal(regions - 1, sources.Count(s => s == "Accepted"));
    }

    private async Task<JsonElement> GetItemAsync(string plate)
    {
        var response = await fixture.App.ApiClient().GetAsync($"/api/v1/returns?returnId={plate}");
        response.EnsureSuccessStatusCode();
        return await response.ReadJsonAsync();
    }
}
