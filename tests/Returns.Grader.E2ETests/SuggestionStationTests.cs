using System.Text.Json;
using Microsoft.Playwright;
using Returns.Grader.TestSupport;
using Xunit.Abstractions;

namespace Returns.Grader.E2ETests;

/// <summary>
/// The station with the shipped model: a suggestion the model is familiar with and sure about is the associate's starting
/// point, and what they do to it is stored; one it is not is shown as information only.
/// </summary>
public sealed class SuggestionStationTests(BrowserAppWithModelFixture fixture, ITestOutputHelper output) : BrowserTests<BrowserAppWithModelFixture>(fixture, output), IClassFixture<BrowserAppWithModelFixture>
{
    /// <summary>The shipped model's own floor for prefilling (its manifest's familiarity section), never a number written here.</summary>
    private static readonly double? PrefillMinConfidence =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.ShippedModel, "model.json"))).RootElement
            .TryGetProperty("familiarity", out var familiarity) && familiarity.TryGetProperty("prefill_min_confidence", out var minimum)
            && minimum.ValueKind == JsonValueKind.Number ? minimum.GetDouble() : null;

    private const string StageIsFullScreen = "() => document.fullscreenElement !== null && document.querySelector('[data-photo-stage]')?.hasAttribute('data-stage-fullscreen') === true";
    private const string StageIsNotFullScreen = "() => document.fullscreenElement === null && !document.querySelector('[data-photo-stage]')?.hasAttribute('data-stage-fullscreen')";

    private async Task<IPage> OpenOnStationAsync(string plate, string associate, bool tablet = false)
    {
        await Fixture.App.ApiClient().CreateItemAsync(plate);
        var context = await Fixture.NewContextAsync(tablet
            ? new BrowserNewContextOptions { BaseURL = Fixture.BaseAddress.ToString(), HasTouch = true, ViewportSize = new ViewportSize { Width = 1024, Height = 768 } }
            : new BrowserNewContextOptions { BaseURL = Fixture.BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        await BrowserAppFixture.SignInAsync(page, "/station", associate);
        await Assertions.Expect(page.Locator("#scan")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(plate);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByTestId("item-return-id")).ToHaveTextAsync(plate);
        return page;
    }

    /// <summary>The test's premise, said plainly when a new model breaks it: the model knows this photo and is sure enough to prefill.</summary>
    private static void AssertPrefillable(JsonElement suggestion, string photo)
    {
        Assert.True(suggestion.GetProperty("familiar").ValueKind != JsonValueKind.False, $"{photo} should be familiar to the shipped model");
        Assert.True(suggestion.GetProperty("confidence").GetDouble() >= (PrefillMinConfidence ?? 0),
            $"the shipped model should be at least {PrefillMinConfidence} sure of {photo}");
    }

    [Fact]
    public async Task SuggestedGradeIsPreselected_RegionsAreShown_AndARejectedRegionIsStoredAsDeleted()
    {
        var plate = ApiJson.UniquePlate("E2E");
        var page = await OpenOnStationAsync(plate, "Hal Suggest");

        // A damaged sample photo shipped for newcomers (models/samples) on which every model since 2.0.0 finds regions
        // (the samples README lists what the shipped model suggests for each; 2.2.0 found none on 09-unsellable.jpg).
        await BrowserAppFixture.UploadSampleAsync(page, "08-unsellable.jpg");

        var item = await GetItemAsync(plate);
        AssertPrefillable(item.GetProperty("suggestion"), "08-unsellable.jpg");
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
        Assert.Equal(1, sources.Count(s => s == "deleted"));
        Assert.Equal(regions - 1, sources.Count(s => s == "model")); // left as suggested: the model's, not accepted (ADR 0051)
        // Saved as preselected: the grade and the disposition are stored as prefilled, not as the associate's choice.
        Assert.Equal(suggested, decision.GetProperty("grade").GetString());
        Assert.True(decision.GetProperty("gradePrefilled").GetBoolean());
        Assert.True(decision.GetProperty("dispositionPrefilled").GetBoolean());
    }

    [Fact]
    public async Task AnUnfamiliarPhoto_WithdrawsThePrefilledGrade_SaysSo_AndTheGradePickedAfterIsStoredAsChosen()
    {
        var plate = ApiJson.UniquePlate("E2E");
        var page = await OpenOnStationAsync(plate, "Ida Unfamiliar");

        // A photo like the training photos: its grade is preselected.
        await BrowserAppFixture.UploadSampleAsync(page, "01-likenew.jpg");
        var first = (await GetItemAsync(plate)).GetProperty("suggestion");
        AssertPrefillable(first, "01-likenew.jpg");
        await Assertions.Expect(page.Locator($"[data-grade={first.GetProperty("grade").GetString()}]")).ToHaveAttributeAsync("aria-checked", "true");
        await Assertions.Expect(page.Locator($"[data-grade={first.GetProperty("grade").GetString()}] .grade-suggested")).ToHaveCountAsync(1);

        // A photo unlike anything the model knows makes the item unfamiliar: the prefilled grade goes, the station says why.
        await page.GetByTestId("file-input").SetInputFilesAsync(new FilePayload { Name = "checkerboard.png", MimeType = "image/png", Buffer = TestPhotos.ColourCheckerboardPng() });
        await Assertions.Expect(page.GetByTestId("suggestion-notice")).ToContainTextAsync("The model has not seen photos like this — grade it yourself.");
        await Assertions.Expect(page.GetByTestId("suggestion")).ToContainTextAsync("The model's guess:"); // no confidence figure
        await Assertions.Expect(page.GetByTestId("suggestion")).Not.ToContainTextAsync("%");
        await Assertions.Expect(page.Locator(".grade-suggested")).ToHaveCountAsync(0);                    // no grade marked as suggested
        await Assertions.Expect(page.Locator("[data-testid=photos] img[data-photo-id]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-grade][aria-checked=true]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=regions] .region-row")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("submit-blocker")).ToContainTextAsync("Pick a grade");
        Assert.False((await GetItemAsync(plate)).GetProperty("suggestion").GetProperty("familiar").GetBoolean());

        await page.Locator("[data-grade=LikeNew]").ClickAsync();
        await Assertions.Expect(page.GetByTestId("submit")).ToBeEnabledAsync();
        await page.GetByTestId("submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("item")).ToHaveCountAsync(0);

        var decision = (await GetItemAsync(plate)).GetProperty("decisions")[0];
        Assert.Equal("LikeNew", decision.GetProperty("grade").GetString());
        Assert.False(decision.GetProperty("gradePrefilled").GetBoolean());       // picked by the associate
        Assert.True(decision.GetProperty("dispositionPrefilled").GetBoolean());  // suggested from the grade, left as it was
        Assert.Empty(decision.GetProperty("damage").EnumerateArray());
    }

    /// <summary>
    /// A photo that does not belong (here one unlike anything the model knows, which withdrew the prefill) is set aside
    /// from the strip (ADR 0052): the suggestion is the remaining photo's again and its grade is preselected again; the
    /// saved grade is that prefill, and the photo is kept, listed as set aside, not among the item's photos.
    /// </summary>
    [Fact]
    public async Task APhotoSetAsideAtTheStation_LeavesTheSuggestion_AndThePrefillComesBack()
    {
        var plate = ApiJson.UniquePlate("E2E");
        var page = await OpenOnStationAsync(plate, "Jo Setaside");
        await BrowserAppFixture.UploadSampleAsync(page, "01-likenew.jpg");
        var first = (await GetItemAsync(plate)).GetProperty("suggestion");
        AssertPrefillable(first, "01-likenew.jpg");
        var suggested = first.GetProperty("grade").GetString();
        await page.GetByTestId("file-input").SetInputFilesAsync(new FilePayload { Name = "checkerboard.png", MimeType = "image/png", Buffer = TestPhotos.ColourCheckerboardPng() });
        await Assertions.Expect(page.GetByTestId("suggestion-notice")).ToContainTextAsync("The model has not seen photos like this");
        await Assertions.Expect(page.Locator("[data-grade][aria-checked=true]")).ToHaveCountAsync(0);
        var photos = (await GetItemAsync(plate)).GetProperty("photos").EnumerateArray().Select(p => p.GetProperty("photoId").GetString()).ToList();
        var odd = photos.Last(); // kept second

        var frame = page.Locator(".photo-frame", new PageLocatorOptions { Has = page.Locator($"img[data-photo-id='{odd}']") });
        await frame.GetByTestId("set-aside-photo").ClickAsync();
        await frame.GetByTestId("set-aside-unusable").ClickAsync();

        await Assertions.Expect(page.GetByTestId("set-aside-entry")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=photos] img[data-photo-id]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("region-editor-panel")).ToHaveCountAsync(0); // the click did not open the photo
        await Assertions.Expect(page.Locator($"[data-grade={suggested}]")).ToHaveAttributeAsync("aria-checked", "true");
        await page.GetByTestId("submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("item")).ToHaveCountAsync(0);

        var item = await GetItemAsync(plate);
        var decision = item.GetProperty("decisions")[0];
        Assert.Equal(suggested, decision.GetProperty("grade").GetString());
        Assert.True(decision.GetProperty("gradePrefilled").GetBoolean());
        Assert.Equal([photos[0]], item.GetProperty("photos").EnumerateArray().Select(p => p.GetProperty("photoId").GetString()));
        var aside = Assert.Single(item.GetProperty("setAsidePhotos").EnumerateArray());
        Assert.Equal((odd, "unusable"), (aside.GetProperty("photoId").GetString(), aside.GetProperty("reason").GetString()));
    }

    /// <summary>
    /// By keyboard alone, the focus follows "Set aside…" to its first choice and back on Cancel, and the photo editor's
    /// Close goes back to the thumbnail that opened it: each time it fell to the page's body (keyboard pass, 2026-12-07).
    /// Escape on the choices is Cancel.
    /// </summary>
    [Fact]
    public async Task TheFocus_FollowsSetAsideAndTheEditorsClose()
    {
        var plate = ApiJson.UniquePlate("E2E");
        var page = await OpenOnStationAsync(plate, "Fay Focus");
        await BrowserAppFixture.UploadSampleAsync(page, "01-likenew.jpg");

        await page.GetByTestId("set-aside-photo").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByTestId("set-aside-wrong-item")).ToBeFocusedAsync();
        await page.GetByTestId("set-aside-cancel").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByTestId("set-aside-photo")).ToBeFocusedAsync();
        // Escape backs out as Cancel does (it did nothing: the choices stayed open).
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByTestId("set-aside-wrong-item")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.GetByTestId("set-aside-wrong-item")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("set-aside-photo")).ToBeFocusedAsync();

        await page.GetByTestId("open-photo").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByTestId("region-editor-panel")).ToBeVisibleAsync();
        await page.GetByTestId("close-editor").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByTestId("region-editor-panel")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("open-photo")).ToBeFocusedAsync();
    }

    /// <summary>
    /// Files chosen with "Choose files" leave the focus on its file input; Enter there opened the file picker again and
    /// saved nothing, item after item for a mouse user (soak pass, 2026-12-07). The focus now moves to the drop zone.
    /// </summary>
    [Fact]
    public async Task AfterChoosingFiles_EnterSavesTheItem_NotOpenTheFilePickerAgain()
    {
        var plate = ApiJson.UniquePlate("E2E");
        var page = await OpenOnStationAsync(plate, "Mo Mouse");
        await page.GetByTestId("file-input").FocusAsync(); // where a click on its label leaves the focus
        await BrowserAppFixture.UploadSampleAsync(page, "04-good.jpg");
        await Assertions.Expect(page.GetByTestId("file-input")).Not.ToBeFocusedAsync();

        var reopened = false;
        page.FileChooser += (_, _) => reopened = true;
        await page.Keyboard.PressAsync("3");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByTestId("item")).ToHaveCountAsync(0);
        Assert.False(reopened);
        Assert.Equal("Good", (await GetItemAsync(plate)).GetProperty("decisions")[0].GetProperty("grade").GetString());
    }

    [Fact]
    public async Task APhotoWithAQualityWarning_IsNotPrefilled_AndTheGradePickedAfterIsStoredAsChosen()
    {
        var plate = ApiJson.UniquePlate("E2E");
        var page = await OpenOnStationAsync(plate, "Wes White", tablet: true);
        Task<double> GradeRowAsync() => page.EvaluateAsync<double>("() => document.querySelector('[data-grade=Good]').getBoundingClientRect().top + window.scrollY");
        var gradesBefore = await GradeRowAsync();

        // A blank white photo: intake calls it washed out, while the shipped model is familiar with it and sure it is
        // Like new (0.96 for 4.1.0); one Enter saved that as the associate's grade (photo pass, 2026-12-05).
        await page.GetByTestId("file-input").SetInputFilesAsync(new FilePayload { Name = "white.jpg", MimeType = "image/jpeg", Buffer = TestPhotos.SolidJpeg(1024, 768, SkiaSharp.SKColors.White) });
        await Assertions.Expect(page.GetByTestId("photo-warning")).ToHaveCountAsync(1);
        AssertPrefillable((await GetItemAsync(plate)).GetProperty("suggestion"), "a blank white photo");

        await Assertions.Expect(page.GetByTestId("suggestion-notice")).ToHaveAttributeAsync("data-verdict", "PhotoQuality");
        Assert.Equal(gradesBefore, await GradeRowAsync(), 1.0); // the notice and the warning came, the grades stayed put (1024 px)
        await Assertions.Expect(page.GetByTestId("suggestion")).ToContainTextAsync("The model's guess:");
        await Assertions.Expect(page.Locator("[data-grade][aria-checked=true]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".grade-suggested")).ToHaveCountAsync(0);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByTestId("submit-blocker")).ToContainTextAsync("Pick a grade"); // nothing saved
        Assert.Empty((await GetItemAsync(plate)).GetProperty("decisions").EnumerateArray());

        await page.Keyboard.PressAsync("1"); // the associate's own look at the item: Like new, as the rubric says
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByTestId("item")).ToHaveCountAsync(0);
        var decision = (await GetItemAsync(plate)).GetProperty("decisions")[0];
        Assert.Equal("LikeNew", decision.GetProperty("grade").GetString());
        Assert.False(decision.GetProperty("gradePrefilled").GetBoolean());
        Assert.Equal(["overexposed"], decision.GetProperty("photoWarnings").EnumerateArray().Select(w => w.GetString()));
    }

    private async Task<JsonElement> GetItemAsync(string plate)
    {
        var response = await Fixture.App.ApiClient().GetAsync($"/api/v1/returns?returnId={plate}");
        response.EnsureSuccessStatusCode();
        return await response.ReadJsonAsync();
    }

    /// <summary>
    /// The photo viewer (issue 17): the photo as large as the screen allows, each region labelled with its type and the
    /// model's score, zoom by keys and buttons (panning by scrolling), and full screen.
    /// </summary>
    [Fact]
    public async Task PhotoViewer_LabelsTheRegions_Zooms_AndGoesFullScreen()
    {
        var plate = ApiJson.UniquePlate("E2E");
        var page = await OpenOnStationAsync(plate, "Val Viewer");
        await BrowserAppFixture.UploadSampleAsync(page, "08-unsellable.jpg");
        var suggested = (await GetItemAsync(plate)).GetProperty("suggestion").GetProperty("damage").GetArrayLength();
        Assert.True(suggested > 0, "the sample photo's damage should give at least one suggested region");

        await page.GetByTestId("open-photo").ClickAsync();
        var viewer = page.GetByTestId("photo-viewer");
        await Assertions.Expect(viewer).ToBeVisibleAsync();
        var labels = page.Locator("[data-region-editor] [data-region-label]");
        await Assertions.Expect(labels).ToHaveCountAsync(suggested);
        await Assertions.Expect(labels.First).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^(Scratch|Stain|Dent|Tear|Crack|Missing part) 0\.\d\d$"));

        var editor = page.Locator("[data-region-editor]");
        var shown = (await editor.BoundingBoxAsync())!;
        var fit = shown.Width;
        var room = await viewer.EvaluateAsync<double>("v => v.clientWidth");
        var screenHeight = await page.EvaluateAsync<double>("() => window.innerHeight");
        // as large as the screen allows: the viewer's whole width, or 78 % of the screen's height for a tall photo
        Assert.True(Math.Abs(fit - room) <= 2 || Math.Abs(shown.Height - 0.78 * screenHeight) <= 3,
            $"the photo is shown {fit}x{shown.Height} px in a viewer {room} px wide on a screen {screenHeight} px high");
        await page.EvaluateAsync("document.activeElement.blur()");
        await page.Keyboard.PressAsync("+");
        await Assertions.Expect(viewer).ToHaveAttributeAsync("data-zoom", "1.5");
        Assert.InRange((await editor.BoundingBoxAsync())!.Width, fit * 1.45, fit * 1.55);
        Assert.True(await viewer.EvaluateAsync<bool>("v => v.scrollWidth > v.clientWidth || v.scrollHeight > v.clientHeight"), "zoomed in, the photo pans (scrolls) inside the viewer");
        await page.GetByTestId("zoom-in").ClickAsync();
        await Assertions.Expect(viewer).ToHaveAttributeAsync("data-zoom", "2");
        await page.Keyboard.PressAsync("0");
        await Assertions.Expect(viewer).ToHaveAttributeAsync("data-zoom", "1");
        Assert.InRange((await editor.BoundingBoxAsync())!.Width, fit - 1, fit + 1);

        await page.GetByTestId("fullscreen").ClickAsync();
        await page.WaitForFunctionAsync(StageIsFullScreen); // the photo with its buttons
        await page.Keyboard.PressAsync("f");
        await page.WaitForFunctionAsync(StageIsNotFullScreen);
    }

    /// <summary>
    /// The photo on a tablet (touch pass, 2026-12-05): zoomed in, a one-finger swipe drew a box of damage nobody chose
    /// instead of panning; a pinch moved one of the model's boxes (the second finger took over the first one's drag) and
    /// did not zoom; full screen showed the photo alone, with nothing a finger could tap to leave it. Now one finger pans,
    /// two zoom and leave every box as it was, "Add box" is a finger's way to a new box, and full screen keeps its
    /// buttons; the grades no longer move under the finger when the suggestion and its boxes arrive. Touches are the
    /// browser's own (Chrome DevTools Protocol Input.dispatchTouchEvent).
    /// </summary>
    [Fact]
    public async Task OnATablet_OneFingerPans_TwoFingersZoom_NeitherChangesABox_AndFullScreenIsLeftByTouch()
    {
        var plate = ApiJson.UniquePlate("E2E");
        var page = await OpenOnStationAsync(plate, "Tia Tablet", tablet: true);
        // The grades stay under the finger while the photo's suggestion and boxes arrive (they moved 274 px down).
        Task<double> GradeRowAsync() => page.EvaluateAsync<double>("() => document.querySelector('[data-grade=Good]').getBoundingClientRect().top + window.scrollY");
        var gradesBefore = await GradeRowAsync();
        // ... nor while the photo goes up (its progress row pushed them 34 px down): the upload held back a moment to look.
        var released = new TaskCompletionSource();
        await page.RouteAsync("**/photos", async route =>
        {
            await released.Task;
            await route.ContinueAsync();
        });
        await page.GetByTestId("file-input").SetInputFilesAsync(Path.Combine(RepositoryPaths.Root, "models", "samples", "08-unsellable.jpg"));
        await Assertions.Expect(page.Locator("[data-testid=upload-list] [data-upload-state]").First).ToBeVisibleAsync();
        Assert.Equal(gradesBefore, await GradeRowAsync(), 1.0);
        released.SetResult();
        await Assertions.Expect(page.GetByTestId("suggestion")).ToContainTextAsync("grader-vit-v1@");
        await page.UnrouteAsync("**/photos");
        await Assertions.Expect(page.Locator("[data-testid=regions] [data-region-source]").First).ToBeVisibleAsync();
        Assert.Equal(gradesBefore, await GradeRowAsync(), 1.0);
        Assert.True((await GetItemAsync(plate)).GetProperty("suggestion").GetProperty("damage").GetArrayLength() > 0, "the sample photo should give suggested regions");
        await page.GetByTestId("open-photo").TapAsync();
        var viewer = page.GetByTestId("photo-viewer");
        await Assertions.Expect(viewer).ToBeVisibleAsync();
        // a finger's target: "Set aside…" and the zoom buttons were 24-28 px tall (keyboard and touch pass, 2026-12-07)
        foreach (var target in new[] { "set-aside-photo", "zoom-in", "zoom-fit" })
        {
            var box = await page.GetByTestId(target).First.BoundingBoxAsync();
            Assert.True(box is { Height: >= 44, Width: >= 44 }, $"{target}: {box?.Width}x{box?.Height}");
        }
        var cdp = await page.Context.NewCDPSessionAsync(page);
        async Task TouchAsync(string type, params (double X, double Y)[] points) =>
            await cdp.SendAsync("Input.dispatchTouchEvent", new Dictionary<string, object>
            {
                ["type"] = type,
                ["touchPoints"] = points.Select((p, i) => new Dictionary<string, object> { ["x"] = p.X, ["y"] = p.Y, ["id"] = i }).ToArray(),
            });
        // Every box on the photo and every row of the list, as they stand.
        Task<string> BoxesAsync() => page.EvaluateAsync<string>(
            "() => [...document.querySelectorAll('[data-region-editor] .region-box')].map(b => ['x','y','width','height'].map(a => b.getAttribute(a)).join(' ')).join('|')"
            + " + ' / ' + [...document.querySelectorAll('[data-testid=regions] [data-region-source]')].map(r => r.dataset.regionSource).join(',')");
        // A point of the photo on screen where a finger lands on the photo itself (box: false) or inside a box, off its corner handle.
        async Task<(double X, double Y)> PointAsync(bool onABox)
        {
            var point = await page.EvaluateAsync<double[]>(@"onABox => {
                const view = document.querySelector('[data-photo-viewer]').getBoundingClientRect();
                for (let y = Math.max(0, view.top) + 20; y < Math.min(window.innerHeight, view.bottom) - 20; y += 7)
                    for (let x = Math.max(0, view.left) + 20; x < Math.min(window.innerWidth, view.right) - 20; x += 7) {
                        const hit = document.elementFromPoint(x, y);
                        if (!hit || !hit.closest('[data-region-editor]')) continue;
                        if (onABox ? hit.classList.contains('region-box') : hit.tagName === 'svg') return [x, y];
                    }
                return null; }", onABox);
            Assert.NotNull(point);
            return (point![0], point[1]);
        }

        // Taps first: Chrome takes a tap within a moment of a swipe as the end of the swipe's fling, not as a click.
        // A finger's way to a new box.
        var rows = await page.Locator("[data-testid=regions] [data-region-source]").CountAsync();
        await page.GetByTestId("add-box").TapAsync();
        await Assertions.Expect(page.Locator("[data-testid=regions] [data-region-source]")).ToHaveCountAsync(rows + 1);
        await Assertions.Expect(page.Locator("[data-testid=regions] [data-region-source=added]")).ToHaveCountAsync(1);

        // Full screen keeps its buttons and lists (the type of new damage can be chosen there), and a tap leaves it.
        await page.GetByTestId("fullscreen").TapAsync();
        await page.WaitForFunctionAsync(StageIsFullScreen);
        await Assertions.Expect(page.GetByTestId("zoom-fit")).ToBeInViewportAsync();
        await page.Locator("[data-testid=new-region-type]:visible").TapAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Dent" }).TapAsync();
        await Assertions.Expect(page.Locator("[data-testid=new-region-type]:visible")).ToContainTextAsync("Dent");
        await page.GetByTestId("fullscreen").TapAsync();
        await page.WaitForFunctionAsync(StageIsNotFullScreen);

        await viewer.EvaluateAsync("v => v.scrollIntoView({ block: 'start' })");
        // A corner handle a finger can hit (WCAG 2.5.8: 24 CSS px), at the fitted size on a tablet; it was 16-19.
        var handle = (await page.Locator("[data-region-editor] .region-handle").First.BoundingBoxAsync())!;
        Assert.True(handle.Width >= 24 && handle.Height >= 24, $"the corner handle is {handle.Width}x{handle.Height} CSS px");
        // ... and one finger on the largest box's handle resizes that box, the handle staying on its new corner.
        var largest = await page.EvaluateAsync<double[]>(@"() => {
            const groups = [...document.querySelectorAll('[data-region-editor] [data-region-key]')].map(g => ({ g, b: g.querySelector('.region-box').getBoundingClientRect(), h: g.querySelector('.region-handle').getBoundingClientRect() }))
                .filter(({ g, h }) => document.elementFromPoint(h.left + h.width / 2, h.top + h.height / 2) === g.querySelector('.region-handle'))
                .sort((p, q) => q.b.width * q.b.height - p.b.width * p.b.height);
            const { g, h } = groups[0];
            return [Number(g.dataset.regionKey), h.left + h.width / 2, h.top + h.height / 2]; }");
        var resized = page.Locator($"[data-region-editor] [data-region-key='{(long)largest[0]}'] .region-box");
        var widthText = (await resized.GetAttributeAsync("width"))!;
        var widthBefore = double.Parse(widthText, System.Globalization.CultureInfo.InvariantCulture);
        await TouchAsync("touchStart", (largest[1], largest[2]));
        for (var step = 1; step <= 5; step++)
        {
            await TouchAsync("touchMove", (largest[1] - 4 * step, largest[2] - 3 * step)); // smaller: every box can shrink by 20 px
        }
        await TouchAsync("touchEnd");
        await Assertions.Expect(resized).Not.ToHaveAttributeAsync("width", widthText);
        // The drag draws fractional pixels; the server keeps whole ones. Wait for what it kept, or the next snapshot of
        // the boxes is taken mid-save and differs from the kept box by the rounding (a CI run saw 157.81 then 158).
        await Assertions.Expect(resized).ToHaveAttributeAsync("width", new System.Text.RegularExpressions.Regex(@"^\d+$"));
        await Assertions.Expect(resized).ToHaveAttributeAsync("height", new System.Text.RegularExpressions.Regex(@"^\d+$"));
        Assert.True(double.Parse((await resized.GetAttributeAsync("width"))!, System.Globalization.CultureInfo.InvariantCulture) < widthBefore, "the finger on the corner made the box narrower");
        var corner = await page.EvaluateAsync<double[]>($"() => {{ const g = document.querySelector(\"[data-region-editor] [data-region-key='{(long)largest[0]}']\"); const b = g.querySelector('.region-box').getBoundingClientRect(), h = g.querySelector('.region-handle').getBoundingClientRect(); return [b.right - (h.left + h.width / 2), b.bottom - (h.top + h.height / 2)]; }}");
        Assert.All(corner, d => Assert.InRange(d, -1.5, 1.5));

        // A finger's wobble on a box, and a quick swipe that starts on one, leave it where it is (the swipe pans).
        var boxes = await BoxesAsync();
        var (wx, wy) = await PointAsync(onABox: true);
        await TouchAsync("touchStart", (wx, wy));
        await TouchAsync("touchMove", (wx + 3, wy + 2));
        await TouchAsync("touchEnd");
        await TouchAsync("touchStart", (wx, wy));
        for (var step = 1; step <= 4; step++)
        {
            await TouchAsync("touchMove", (wx - 20 * step, wy));
        }
        await TouchAsync("touchEnd");
        Assert.Equal(boxes, await BoxesAsync());
        await Assertions.Expect(page.Locator("[data-region-editor] .region-box[data-held]")).ToHaveCountAsync(0);

        // Held still on a box, a finger takes it (shown dashed) and moves it.
        var (tx, ty) = await PointAsync(onABox: true);
        var taken = page.Locator($"[data-region-editor] [data-region-key='{await page.EvaluateAsync<string>("([x, y]) => document.elementFromPoint(x, y).closest('[data-region-key]').dataset.regionKey", new[] { tx, ty })}'] .region-box");
        var takenAt = await taken.GetAttributeAsync("x");
        await TouchAsync("touchStart", (tx, ty));
        await Assertions.Expect(page.Locator("[data-region-editor] .region-box[data-held]")).ToHaveCountAsync(1);
        for (var step = 1; step <= 4; step++)
        {
            await TouchAsync("touchMove", (tx + 10 * step, ty + 5 * step));
        }
        await TouchAsync("touchEnd");
        await Assertions.Expect(taken).Not.ToHaveAttributeAsync("x", takenAt!);
        await Assertions.Expect(taken).ToHaveAttributeAsync("x", new System.Text.RegularExpressions.Regex(@"^\d+$")); // as the server kept it
        await Assertions.Expect(page.Locator("[data-region-editor] .region-box[data-held]")).ToHaveCountAsync(0);

        // Two fingers, the first on one of the model's boxes: the photo zooms, no box moves.
        boxes = await BoxesAsync();
        var (bx, by) = await PointAsync(onABox: true);
        var other = (X: bx + 60 < 1000 ? bx + 60 : bx - 60, Y: by);
        await TouchAsync("touchStart", (bx, by));
        await TouchAsync("touchMove", (bx + 4, by + 2));
        await TouchAsync("touchStart", (bx + 4, by + 2), other);
        for (var step = 1; step <= 6; step++)
        {
            await TouchAsync("touchMove", (bx + 4 - 10 * step, by + 2), (other.X + Math.Sign(other.X - bx) * 25 * step, other.Y));
        }
        await TouchAsync("touchEnd");
        Assert.True(double.Parse(await viewer.GetAttributeAsync("data-zoom") ?? "1", System.Globalization.CultureInfo.InvariantCulture) > 1.2, "two fingers spread zoom the photo in");
        Assert.Equal(boxes, await BoxesAsync());

        // One finger on the photo, zoomed in: it pans, and draws nothing.
        var (px, py) = await PointAsync(onABox: false);
        var scrolled = await viewer.EvaluateAsync<double>("v => v.scrollLeft + v.scrollTop");
        await TouchAsync("touchStart", (px, py));
        for (var step = 1; step <= 8; step++)
        {
            await TouchAsync("touchMove", (px - 15 * step, py - 8 * step));
        }
        await TouchAsync("touchEnd");
        Assert.NotEqual(scrolled, await viewer.EvaluateAsync<double>("v => v.scrollLeft + v.scrollTop"));
        Assert.Equal(boxes, await BoxesAsync());
        await Assertions.Expect(page.Locator(".region-drawing")).ToHaveCountAsync(0);

        // Fit shows the whole photo on the screen: it fitted the photo to the viewer, whose lower part stayed below the
        // window (exploratory pass, 2026-12-06).
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        // [top, bottom, window height, bottom of the app bar that covers the page's top]
        const string PhotoRect = "() => { const r = document.querySelector('[data-region-editor]').getBoundingClientRect(); " +
            "const bar = document.querySelector('.mud-appbar'); return [r.top, r.bottom, window.innerHeight, bar ? bar.getBoundingClientRect().bottom : 0]; }";
        var before = await page.EvaluateAsync<double[]>(PhotoRect);
        Assert.True(before[1] > before[2], $"the test's premise: at the page's top the photo runs below the window ({before[1]} > {before[2]})");
        await page.GetByTestId("zoom-fit").ClickAsync(); // not a tap: Chrome takes a tap right after a swipe as the swipe's end
        await Assertions.Expect(viewer).ToHaveAttributeAsync("data-zoom", "1");
        var fitted = await page.EvaluateAsync<double[]>(PhotoRect);
        Assert.True(fitted[0] >= fitted[3] - 1 && fitted[1] <= fitted[2] + 1, $"after Fit the photo spans {fitted[0]} to {fitted[1]} of a {fitted[2]} px window under a {fitted[3]} px app bar");
    }

    /// <summary>Undo and redo of region edits (issue 17): "not damage", a drawn box, by keys and by the buttons.</summary>
    [Fact]
    public async Task RegionEdits_AreUndoneAndRedone_ByKeysAndButtons()
    {
        var plate = ApiJson.UniquePlate("E2E");
        var page = await OpenOnStationAsync(plate, "Uma Undo");
        await BrowserAppFixture.UploadSampleAsync(page, "08-unsellable.jpg");
        var first = page.Locator("[data-testid=regions] .region-row").First;
        await Assertions.Expect(first).ToHaveAttributeAsync("data-region-source", "model"); // as suggested: the model's until a person accepts it
        await Assertions.Expect(page.GetByTestId("region-undo")).ToBeDisabledAsync();

        await first.GetByTestId("region-toggle").ClickAsync();
        await Assertions.Expect(first).ToHaveAttributeAsync("data-region-source", "deleted");
        await page.EvaluateAsync("document.activeElement.blur()");
        await page.Keyboard.PressAsync("Control+z");
        await Assertions.Expect(first).ToHaveAttributeAsync("data-region-source", "model");
        await page.Keyboard.PressAsync("Control+Shift+z");
        await Assertions.Expect(first).ToHaveAttributeAsync("data-region-source", "deleted");

        // a box drawn on the photo, taken back and put back with the buttons
        await page.GetByTestId("open-photo").ClickAsync();
        var editor = page.Locator("[data-region-editor] svg");
        await editor.ScrollIntoViewIfNeededAsync();
        var frame = (await editor.BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(frame.X + frame.Width * 0.05f, frame.Y + frame.Height * 0.05f);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(frame.X + frame.Width * 0.15f, frame.Y + frame.Height * 0.15f, new MouseMoveOptions { Steps = 5 });
        await page.Mouse.UpAsync();
        await Assertions.Expect(page.Locator("[data-region-source=added]")).ToHaveCountAsync(1);
        await page.GetByTestId("region-undo").ClickAsync();
        await Assertions.Expect(page.Locator("[data-region-source=added]")).ToHaveCountAsync(0);
        await Assertions.Expect(first).ToHaveAttributeAsync("data-region-source", "deleted"); // only the last edit went
        await page.GetByTestId("region-redo").ClickAsync();
        await Assertions.Expect(page.Locator("[data-region-source=added]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("region-redo")).ToBeDisabledAsync();
    }

    /// <summary>
    /// At a tablet's 1024 x 768 the photo editor starts low on the page: B put the new box in the middle of the viewer,
    /// below the window's edge, where the associate could not see it (exploratory pass, 2026-12-06). It goes where the
    /// photo is on screen, the photo brought into view first if none of it is.
    /// </summary>
    [Fact]
    public async Task AtTabletSize_B_PutsTheNewBoxWhereThePhotoIsOnScreen()
    {
        var plate = ApiJson.UniquePlate("E2E");
        var page = await OpenOnStationAsync(plate, "Tess Tablet");
        await page.SetViewportSizeAsync(1024, 768);
        await BrowserAppFixture.UploadSampleAsync(page, "05-good.jpg"); // portrait: the editor reaches far below the window
        await page.EvaluateAsync("document.activeElement.blur()");

        await page.Keyboard.PressAsync("b");

        var box = page.Locator("[data-region-editor] .region-box-selected");
        await Assertions.Expect(box).ToHaveCountAsync(1);
        await Assertions.Expect(box).ToBeInViewportAsync(new() { Ratio = 0.5f }); // at least half of it: it was wholly below the window
    }

    /// <summary>
    /// A box drawn and placed without a pointer (keyboard audit, 2026-12-05): B draws one on the photo and chooses it,
    /// the arrows move it, Shift+arrows resize it, an arrow in the disposition list stays the list's, and the box is
    /// saved where the keys left it.
    /// </summary>
    [Fact]
    public async Task ABox_IsDrawnMovedAndResizedByKeys_AndSavedWhereTheKeysLeftIt()
    {
        var plate = ApiJson.UniquePlate("E2E");
        var page = await OpenOnStationAsync(plate, "Bea Boxes");
        await BrowserAppFixture.UploadSampleAsync(page, "01-likenew.jpg");
        await page.EvaluateAsync("document.activeElement.blur()");

        await page.Keyboard.PressAsync("b");
        var added = page.Locator("[data-testid=regions] [data-region-source=added]");
        await Assertions.Expect(added).ToHaveAttributeAsync("data-selected", "true");
        var box = page.Locator("[data-region-editor] .region-box-selected");
        await Assertions.Expect(box).ToHaveCountAsync(1);
        var drawn = await BoxAsync(box);
        var photoWidth = (await GetItemAsync(plate)).GetProperty("photos")[0].GetProperty("width").GetInt32();
        var photoHeight = (await GetItemAsync(plate)).GetProperty("photos")[0].GetProperty("height").GetInt32();
        var step = Math.Max(1, (int)Math.Round(Math.Max(photoWidth, photoHeight) / 100.0));

        await page.Keyboard.PressAsync("ArrowRight");
        await Assertions.Expect(box).ToHaveAttributeAsync("x", (drawn[0] + step).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("ArrowDown");
        await Assertions.Expect(box).ToHaveAttributeAsync("y", (drawn[1] + 2 * step).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.Keyboard.PressAsync("Shift+ArrowRight");
        await Assertions.Expect(box).ToHaveAttributeAsync("width", (drawn[2] + step).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var placed = await BoxAsync(box);

        // In the disposition list the arrows are the list's: the box stays where it is.
        await page.Keyboard.PressAsync("d");
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("Escape");
        Assert.Equal(placed, await BoxAsync(box));

        await page.Keyboard.PressAsync("3");
        if (await page.GetByTestId("contradiction").CountAsync() > 0)
        {
            await page.Locator("input[data-testid=contradiction-reason], [data-testid=contradiction-reason] input").First.FillAsync("checked by hand");
        }
        await page.GetByTestId("submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("item")).ToHaveCountAsync(0);
        var saved = (await GetItemAsync(plate)).GetProperty("decisions")[0].GetProperty("damage").EnumerateArray()
            .Single(d => d.GetProperty("source").GetString() == "added");
        Assert.Equal(placed, saved.GetProperty("box").EnumerateArray().Select(v => v.GetInt32()).ToArray());
    }

    private static async Task<int[]> BoxAsync(ILocator box) =>
        [.. await Task.WhenAll(new[] { "x", "y", "width", "height" }.Select(async a => int.Parse((await box.GetAttributeAsync(a))!, System.Globalization.CultureInfo.InvariantCulture)))];

    /// <summary>Keys for the regions and the disposition (issue 17): N/P choose, R rejects, A accepts, Shift+digit retypes, D goes to the disposition.</summary>
    [Fact]
    public async Task RegionKeys_ChooseRejectAcceptAndRetype_AndDGoesToTheDisposition()
    {
        var plate = ApiJson.UniquePlate("E2E");
        var page = await OpenOnStationAsync(plate, "Kai Keys");
        await BrowserAppFixture.UploadSampleAsync(page, "08-unsellable.jpg");
        var rows = page.Locator("[data-testid=regions] .region-row");
        var first = rows.First;
        await page.EvaluateAsync("document.activeElement.blur()");

        await page.Keyboard.PressAsync("r"); // nothing chosen yet: no region changes
        await Assertions.Expect(page.Locator("[data-testid=regions] [data-region-source=deleted]")).ToHaveCountAsync(0);
        await page.Keyboard.PressAsync("n");
        await Assertions.Expect(first).ToHaveAttributeAsync("data-selected", "true");
        await Assertions.Expect(page.GetByTestId("photo-viewer")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-region-editor] .region-box-selected")).ToHaveCountAsync(1);

        await page.Keyboard.PressAsync("r");
        await Assertions.Expect(first).ToHaveAttributeAsync("data-region-source", "deleted");
        await page.Keyboard.PressAsync("a");
        await Assertions.Expect(first).ToHaveAttributeAsync("data-region-source", "accepted");
        var type = await first.Locator("input").First.InputValueAsync();
        var wanted = type == "Dent" ? ("Shift+Digit4", "Tear") : ("Shift+Digit3", "Dent");
        await page.Keyboard.PressAsync(wanted.Item1);
        await Assertions.Expect(first).ToHaveAttributeAsync("data-region-source", "edited");
        await Assertions.Expect(first.Locator("input").First).ToHaveValueAsync(wanted.Item2);

        if (await rows.CountAsync() > 1)
        {
            await page.Keyboard.PressAsync("n");
            await Assertions.Expect(rows.Nth(1)).ToHaveAttributeAsync("data-selected", "true");
            await page.Keyboard.PressAsync("p");
            await Assertions.Expect(first).ToHaveAttributeAsync("data-selected", "true");
        }

        await page.Keyboard.PressAsync("d");
        await page.WaitForFunctionAsync("() => document.activeElement?.closest('[data-testid=disposition]') !== null || document.activeElement?.matches('[data-testid=disposition]') === true");
    }

    /// <summary>
    /// Keys that belong to a control stay with it (keyboard audit, 2026-12-05): Enter on a focused button presses it
    /// instead of saving the item ("Not damage" saved the box as damage, "Next item" saved the item it meant to skip);
    /// a grade key or a stray letter with the disposition list focused no longer resets it to its first option.
    /// </summary>
    [Fact]
    public async Task EnterOnAButton_PressesIt_AndKeysInTheDispositionList_DoNotResetIt()
    {
        var plate = ApiJson.UniquePlate("E2E");
        var page = await OpenOnStationAsync(plate, "Lee Lists");
        await BrowserAppFixture.UploadSampleAsync(page, "08-unsellable.jpg");
        var first = page.Locator("[data-testid=regions] .region-row").First;
        await Assertions.Expect(first).ToHaveAttributeAsync("data-region-source", "model");

        await first.GetByTestId("region-toggle").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(first).ToHaveAttributeAsync("data-region-source", "deleted"); // "Not damage", pressed
        await Assertions.Expect(page.GetByTestId("item")).ToHaveCountAsync(1);                 // and nothing saved

        await page.GetByTestId("disposition").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Refurbish" }).ClickAsync(); // not the suggested one
        var disposition = page.GetByTestId("disposition");
        await Assertions.Expect(disposition).ToContainTextAsync("Refurbish");
        await page.EvaluateAsync("document.activeElement.blur()");
        await page.Keyboard.PressAsync("d"); // the disposition key: the list takes the focus
        await page.WaitForFunctionAsync("() => document.activeElement?.closest('[data-testid=disposition]') !== null");
        await page.Keyboard.PressAsync("x"); // starts no option: MudSelect went to its first, Restock
        await page.Keyboard.PressAsync("3"); // a grade key: grades, and the list lets go of the focus
        await Assertions.Expect(page.Locator("[data-grade=Good]")).ToHaveAttributeAsync("aria-checked", "true");
        await Assertions.Expect(disposition).ToContainTextAsync("Refurbish");
        await Assertions.Expect(disposition).Not.ToContainTextAsync("Restock");

        await page.GetByTestId("close-item").FocusAsync();
        await page.Keyboard.PressAsync("Enter"); // "Next item": asks about the unsaved choices, saves nothing
        await Assertions.Expect(page.GetByTestId("unsaved-guard")).ToBeVisibleAsync();
        Assert.Equal(0, (await GetItemAsync(plate)).GetProperty("decisions").GetArrayLength());
    }

    /// <summary>Bulk approval on the review queue (issue 17): the agreeing rows are marked, approved after a confirmation.</summary>
    [Fact]
    public async Task Supervisor_BulkApprovesTheAgreeingRows_AfterConfirming()
    {
        var plate = ApiJson.UniquePlate("BULK");
        var grader = Fixture.App.ApiClient();
        var id = (await grader.CreateItemAsync(plate, unitValue: 900m)).GetProperty("id").GetString();
        var sample = await File.ReadAllBytesAsync(Path.Combine(RepositoryPaths.Root, "models", "samples", "01-likenew.jpg"));
        Assert.Equal(System.Net.HttpStatusCode.Created, (await grader.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("s.jpg", sample, "image/jpeg")))).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Created, (await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(grader, $"/api/v1/returns/{id}/grade",
            new { grade = "LikeNew", disposition = "restock" })).StatusCode);

        var other = (await grader.CreateItemAsync(ApiJson.UniquePlate("BULK"), unitValue: 900m)).GetProperty("id").GetString(); // high value: queued too
        Assert.Equal(System.Net.HttpStatusCode.Created, (await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(grader, $"/api/v1/returns/{other}/grade",
            new { grade = "Good", disposition = "resell_used" })).StatusCode);

        var page = await Fixture.SignedInAsync("/review", "Bea Bulk", "Supervisor");
        await Assertions.Expect(page.Locator("[data-testid=queue] tbody tr").Nth(1)).ToBeVisibleAsync(); // both, and others': at least two rows
        // A scanner types the plate and Enter into the plate filter: Enter filters, as the button does (left alone last session: it did nothing).
        await page.Locator("[data-testid=plate-filter] input, input[data-testid=plate-filter]").First.FillAsync(plate);
        await page.Locator("[data-testid=plate-filter] input, input[data-testid=plate-filter]").First.PressAsync("Enter");
        await Assertions.Expect(page.Locator("[data-testid=queue] tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=queue] tbody tr")).ToContainTextAsync(plate);
        await Assertions.Expect(page.GetByTestId("agrees")).ToHaveCountAsync(1);

        await page.GetByTestId("bulk-approve").ClickAsync();
        await page.GetByTestId("bulk-approve-cancel").ClickAsync(); // asks first: nothing happens on the first click
        Assert.Equal("InReview", (await GetItemAsync(plate)).GetProperty("status").GetString());
        await page.GetByTestId("bulk-approve").ClickAsync();
        await Assertions.Expect(page.GetByTestId("bulk-approve-plates")).ToHaveTextAsync(plate); // the question names what it approves
        await page.GetByTestId("bulk-approve-confirm").ClickAsync();
        await Assertions.Expect(page.GetByTestId("bulk-approve-result")).ToContainTextAsync($"Approved 1. ({plate})"); // named by its plate
        await Assertions.Expect(page.GetByTestId("agrees")).ToHaveCountAsync(0);
        var item = await GetItemAsync(plate);
        Assert.Equal("Final", item.GetProperty("status").GetString());
        Assert.Equal("Bea Bulk", item.GetProperty("decisions").EnumerateArray().Last().GetProperty("actor").GetProperty("name").GetString());
    }

    /// <summary>
    /// Keyboard only on the review page: it opens with the focus on its heading, and Ctrl+Enter approves a grade left as the
    /// grader gave it (the button was 21 Tabs away; keyboard pass, 2026-12-07).
    /// </summary>
    [Fact]
    public async Task Supervisor_ApprovesWithCtrlEnter()
    {
        var plate = ApiJson.UniquePlate("RCTL");
        var grader = Fixture.App.ApiClient();
        var id = (await grader.CreateItemAsync(plate)).GetProperty("id").GetString();
        Assert.Equal(System.Net.HttpStatusCode.Created, (await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(grader, $"/api/v1/returns/{id}/grade",
            new { grade = "LikeNew", disposition = "restock", flagForReview = true })).StatusCode);

        var page = await Fixture.SignedInAsync("/review", "Cal Keys", "Supervisor");
        await page.Locator($"[data-testid=claim][data-return-id='{plate}']").ClickAsync();
        await Assertions.Expect(page.GetByTestId("review-item")).ToBeFocusedAsync();
        await Assertions.Expect(page.Locator("[data-testid=review-form][data-keys=on]")).ToHaveCountAsync(1);
        // from the note, just typed: it was dropped (the field kept its text until it lost the focus; regression pass)
        await page.Locator("[data-testid=review-notes] input, input[data-testid=review-notes]").First.ClickAsync();
        await page.Keyboard.TypeAsync("Checked by keys", new() { Delay = 60 });
        await page.Keyboard.PressAsync("Control+Enter");

        await Assertions.Expect(page.GetByTestId("queue")).ToBeVisibleAsync(); // back at the queue
        var item = await GetItemAsync(plate);
        Assert.Equal("Final", item.GetProperty("status").GetString());
        var final = item.GetProperty("decisions").EnumerateArray().Last();
        Assert.Equal("approved", final.GetProperty("reasonCode").GetString());
        Assert.Equal("Checked by keys", final.GetProperty("notes").GetString());
    }

    /// <summary>
    /// Region keys on the review page (issue 17): N/P choose one of the grader's boxes, R and A toggle it, Shift+4 retypes
    /// it, Ctrl+Z / Ctrl+Shift+Z undo and redo, D goes to the disposition.
    /// </summary>
    [Fact]
    public async Task Supervisor_ChoosesAndTogglesTheGradersBoxes_ByKeys()
    {
        var plate = ApiJson.UniquePlate("RKEY");
        var grader = Fixture.App.ApiClient();
        var id = (await grader.CreateItemAsync(plate)).GetProperty("id").GetString();
        var sample = await File.ReadAllBytesAsync(Path.Combine(RepositoryPaths.Root, "models", "samples", "08-unsellable.jpg"));
        Assert.Equal(System.Net.HttpStatusCode.Created, (await grader.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("s.jpg", sample, "image/jpeg")))).StatusCode);
        var suggestion = (await GetItemAsync(plate)).GetProperty("suggestion");
        var damage = suggestion.GetProperty("damage").EnumerateArray().Select(d => new
        {
            photoId = d.GetProperty("photoId").GetString(), type = d.GetProperty("type").GetString(),
            box = d.GetProperty("box").EnumerateArray().Select(b => b.GetInt32()).ToArray(), source = "accepted",
        }).ToArray();
        Assert.NotEmpty(damage);
        Assert.Equal(System.Net.HttpStatusCode.Created, (await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(grader, $"/api/v1/returns/{id}/grade",
            new { grade = "Unsellable", disposition = "recycle", damage, flagForReview = true, contradictionReason = "as the model says" })).StatusCode);

        var page = await Fixture.SignedInAsync("/review", "Rex Review", "Supervisor");
        await page.Locator($"[data-testid=claim][data-return-id='{plate}']").ClickAsync();
        await Assertions.Expect(page.GetByTestId("review-item")).ToContainTextAsync(plate);
        await Assertions.Expect(page.GetByTestId("review-item")).ToBeFocusedAsync(); // not the page's body (keyboard pass, 2026-12-07)
        var rows = page.Locator("[data-region-keys]");
        await Assertions.Expect(rows).ToHaveCountAsync(damage.Length);
        await Assertions.Expect(page.Locator("[data-testid=review-form][data-keys=on]")).ToHaveCountAsync(1); // review.js listens
        await page.EvaluateAsync("document.activeElement.blur()");

        await page.Keyboard.PressAsync("r"); // nothing chosen: nothing changes
        await Assertions.Expect(page.Locator("[data-region-keys][data-region-source=deleted]")).ToHaveCountAsync(0);
        await page.Keyboard.PressAsync("n");
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-selected", "true");
        await page.Keyboard.PressAsync("r");
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-region-source", "deleted");
        await page.Keyboard.PressAsync("a");
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-region-source", "accepted");
        await page.Keyboard.PressAsync("Shift+Digit4"); // tear
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-region-source", "edited");
        await page.Keyboard.PressAsync("Control+z");
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-region-source", "accepted");
        await page.Keyboard.PressAsync("Control+Shift+z");
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-region-source", "edited");
        await page.Keyboard.PressAsync("p");
        await Assertions.Expect(rows.Last).ToHaveAttributeAsync("data-selected", "true"); // P from the first wraps to the last
        await page.Keyboard.PressAsync("d");
        Assert.True(await page.EvaluateAsync<bool>("document.activeElement?.closest('[data-testid=review-disposition]') != null"));
    }
}
