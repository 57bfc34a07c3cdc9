using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Returns.Grader.TestSupport;
using Xunit.Abstractions;

namespace Returns.Grader.E2ETests;

/// <summary>
/// The station, the review page and the quality page at a desktop (1920×1080) and a tablet (1024×768) size (issue 17):
/// at each size the page fits the screen's width (nothing to scroll sideways) and its main controls are on screen, and
/// a screenshot of each is kept under artifacts/screenshots/ for a reviewer to look at.
/// </summary>
public sealed class ScreenshotTests(BrowserAppWithModelFixture fixture, ITestOutputHelper output) : BrowserTests<BrowserAppWithModelFixture>(fixture, output), IClassFixture<BrowserAppWithModelFixture>
{
    private static readonly string Folder = Path.Combine(RepositoryPaths.Root, "artifacts", "screenshots");

    public static TheoryData<string, int, int> Sizes => new() { { "desktop", 1920, 1080 }, { "tablet", 1024, 768 } };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task StationReviewAndQuality_FitTheScreen_AndAreKeptAsScreenshots(string size, int width, int height)
    {
        var plate = ApiJson.UniquePlate("SHOT");
        await Fixture.App.ApiClient().CreateItemAsync(plate, unitValue: 40m);

        // The station with an item, its photo and the model's suggestion.
        var station = await Fixture.SignedInAsync("/station", "Sam Screens", "Grader", width, height);
        await Assertions.Expect(station.Locator("#scan")).ToBeFocusedAsync();
        await station.Keyboard.TypeAsync(plate);
        await station.Keyboard.PressAsync("Enter");
        await Assertions.Expect(station.GetByTestId("item-return-id")).ToHaveTextAsync(plate);
        await BrowserAppFixture.UploadSampleAsync(station, "08-unsellable.jpg");
        await AssertFitsAsync(station, width, "station", station.Locator("[data-grade]").First, station.GetByTestId("submit"));
        await KeepAsync(station, size, "station");

        // Graded and flagged, so a supervisor has it in the queue; the review page as they see it after claiming.
        var id = (await (await Fixture.App.ApiClient().GetAsync($"/api/v1/returns?returnId={plate}")).ReadJsonAsync()).GetProperty("id").GetGuid();
        var graded = await Fixture.App.ApiClient().PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "Good", disposition = "resell_used", damage = Array.Empty<object>(), flagForReview = true });
        Assert.Equal(HttpStatusCode.Created, graded.StatusCode);
        var review = await Fixture.SignedInAsync("/review", "Sue Screens", "Supervisor", width, height);
        // The queue's "Review" button is on screen (it was the last column, cut off at tablet width).
        await AssertFitsAsync(review, width, "review queue", review.GetByTestId("queue"), review.Locator($"[data-testid=claim][data-return-id='{plate}']"));
        await KeepAsync(review, size, "review-queue");
        await review.Locator($"[data-testid=claim][data-return-id='{plate}']").ClickAsync();
        await Assertions.Expect(review.GetByTestId("review-item")).ToContainTextAsync(plate);
        await AssertFitsAsync(review, width, "review page", review.Locator("[data-grade]").First, review.GetByTestId("approve"));
        // The boxes' layer lies exactly on its photo (it covered the caption too: boxes drawn ~8 % low and tall).
        foreach (var frame in await review.Locator("figure.photo-frame").AllAsync())
        {
            await Assertions.Expect(frame.Locator("img")).ToHaveJSPropertyAsync("complete", true);
            var photo = await frame.Locator("img").BoundingBoxAsync();
            var layer = await frame.Locator("svg.region-overlay").BoundingBoxAsync();
            Assert.NotNull(photo);
            Assert.NotNull(layer);
            Assert.True(Math.Abs(photo.Y - layer.Y) < 1 && Math.Abs(photo.Height - layer.Height) < 1 && Math.Abs(photo.Width - layer.Width) < 1,
                $"the review page's box layer is {layer.Width}x{layer.Height} at y {layer.Y}, its photo {photo.Width}x{photo.Height} at y {photo.Y}");
        }
        await KeepAsync(review, size, "review");

        var quality = await Fixture.SignedInAsync("/quality", "Sue Screens", "Supervisor", width, height);
        await Assertions.Expect(quality.GetByTestId("agreement")).ToHaveCountAsync(3);
        await AssertFitsAsync(quality, width, "quality page", quality.GetByTestId("agreement").First);
        // A control the keyboard reaches comes into view below the fixed top bar, not under it: scrolled so that the
        // button is just under the window's top edge (under the bar, "in view" to the browser), then focused.
        var apply = quality.GetByTestId("quality-apply");
        await quality.EvaluateAsync("() => { const r = document.querySelector('[data-testid=quality-apply]').getBoundingClientRect(); window.scrollTo(0, window.scrollY + r.top - 4); }");
        await apply.FocusAsync();
        var bar = await quality.EvaluateAsync<double>("() => document.querySelector('.mud-appbar').getBoundingClientRect().bottom");
        Assert.True((await apply.BoundingBoxAsync())!.Y >= bar, $"the focused button is at y {(await apply.BoundingBoxAsync())!.Y}, under the top bar (bottom {bar})");
        await KeepAsync(quality, size, "quality");
    }

    /// <summary>Nothing wider than the screen, and each control given starts and ends inside its width.</summary>
    private static async Task AssertFitsAsync(IPage page, int width, string what, params ILocator[] controls)
    {
        var scrollWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"the {what} is {scrollWidth} px wide on a {width} px screen: it scrolls sideways");
        foreach (var control in controls)
        {
            await Assertions.Expect(control).ToBeVisibleAsync();
            var box = await control.BoundingBoxAsync();
            Assert.True(box is not null && box.X >= 0 && box.X + box.Width <= width,
                $"a control of the {what} is off the {width} px screen (x {box?.X}, width {box?.Width})");
        }
    }

    private static async Task KeepAsync(IPage page, string size, string name)
    {
        Directory.CreateDirectory(Path.Combine(Folder, size));
        var path = Path.Combine(Folder, size, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 10_000, $"{path} looks empty");
    }
}
