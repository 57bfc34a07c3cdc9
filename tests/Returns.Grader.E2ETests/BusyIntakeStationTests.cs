using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Features.Photos;
using Xunit.Abstractions;

namespace Returns.Grader.E2ETests;

/// <summary>The app with room for one photo at a time and none waiting, so that the test can make intake busy at will.</summary>
public sealed class TightIntakeFixture : BrowserAppFixture
{
    public override Task InitializeAsync()
    {
        App.Settings["Grader:Photos:MaxConcurrentPhotos"] = "1";
        App.Settings["Grader:Photos:MaxQueuedPhotos"] = "0";
        return base.InitializeAsync();
    }
}

/// <summary>When intake sheds load (503 + Retry-After), the station says "busy" and sends the photo again by itself.</summary>
public sealed class BusyIntakeStationTests(TightIntakeFixture fixture, ITestOutputHelper output) : BrowserTests<TightIntakeFixture>(fixture, output), IClassFixture<TightIntakeFixture>
{
    [Fact]
    public async Task BusyIntake_StationShowsBusy_ThenSendsThePhotoAgainByItself()
    {
        var plate = ApiJson.UniquePlate("E2E");
        await Fixture.App.ApiClient().CreateItemAsync(plate);
        var context = await Fixture.NewContextAsync(new BrowserNewContextOptions { BaseURL = Fixture.BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        await BrowserAppFixture.SignInAsync(page, "/station", "Fay Busy");
        await Assertions.Expect(page.Locator("#scan")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(plate);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByTestId("item-return-id")).ToHaveTextAsync(plate);

        var admission = Fixture.App.Services.GetRequiredService<IntakeAdmission>();
        var held = await admission.EnterAsync(1, CancellationToken.None); // intake busy: the only slot taken, no queue
        try
        {
            await page.GetByTestId("file-input").SetInputFilesAsync(new FilePayload
            {
                Name = "front.jpg", MimeType = "image/jpeg", Buffer = TestPhotos.PhotoLikeJpeg(1280, 960),
            });
            var busy = page.Locator("[data-upload-state=busy]");
            await Assertions.Expect(busy).ToBeVisibleAsync();
            await Assertions.Expect(busy).ToContainTextAsync("server is busy");
            await Assertions.Expect(page.Locator("[data-testid=photos] img[data-photo-id]")).ToHaveCountAsync(0);
        }
        finally
        {
            held.Dispose();
        }

        // The next try (after Retry-After, with backoff: within ~2 s) is let in: the photo arrives, the busy note goes.
        await Assertions.Expect(page.Locator("[data-testid=photos] img[data-photo-id]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-upload-state]")).ToHaveCountAsync(0);
        await context.CloseAsync();
    }
}
