using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Features.Exports;
using Xunit.Abstractions;

namespace Returns.Grader.E2ETests;

/// <summary>
/// Issue 5's loop, end to end on the real app (Kestrel, SQLite, the shipped model) and the project's own training code:
/// grade items through the API, export them, fine-tune the shipped model a few steps on the package (retrain.py:
/// train, evaluate on the package's test split, export ONNX + manifest + card), register the result as shadow on the
/// Models page in Chromium, grade and review more items, see both models in the comparison, promote in the browser, and
/// see new suggestions come from the promoted model.
/// </summary>
public sealed class RetrainingLoopTests(BrowserAppWithModelFixture fixture, ITestOutputHelper output) : BrowserTests<BrowserAppWithModelFixture>(fixture, output), IClassFixture<BrowserAppWithModelFixture>
{
    [Fact]
    public async Task GradedLabels_BecomeAShadowModel_ThatIsComparedAndPromoted()
    {
        var category = "Loop" + Guid.NewGuid().ToString("N")[..6];
        var grader = Fixture.App.ApiClient("dev-grader");
        var data = Fixture.App.ApiClient("dev-data");

        // 1. Labels: graded items with a photo and a box each, until every split of the package has some.
        var perSplit = DatasetSplits.All.ToDictionary(s => s, _ => 0);
        for (var n = 0; n < 120 && perSplit.Values.Any(c => c < 2); n++)
        {
            var id = await GradedItemAsync(grader, category, n, review: false);
            perSplit[DatasetSplits.Of(id)]++;
        }
        Assert.All(perSplit.Values, count => Assert.True(count >= 2, $"items per split: {string.Join(", ", perSplit)}"));

        // 2. Export them.
        var started = await data.PostAsJsonAsync("/api/v1/exports", new { categories = new[] { category } });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var exportId = (await started.ReadJsonAsync()).GetProperty("id").GetString();
        var export = await data.WaitForExportAsync(exportId!, seconds: 60);
        Assert.Equal("completed", export.GetProperty("status").GetString());
        var work = Path.Combine(Fixture.App.DataDirectory, "retrain");
        Directory.CreateDirectory(work);
        var package = Path.Combine(work, "labels.zip");
        await File.WriteAllBytesAsync(package, await data.GetByteArrayAsync($"/api/v1/exports/{exportId}/download"));

        // 3. Fine-tune the shipped model on the package (a few steps: this proves the loop, not a better model).
        var version = "1.9.0-e2e" + Guid.NewGuid().ToString("N")[..4];
        var modelDir = Path.Combine(work, "model");
        var retrained = await RetrainAsync(package, modelDir, version);
        Assert.Equal($"grader-vit-v1@{version}", retrained.GetProperty("version").GetString());
        foreach (var file in new[] { "model.onnx", "model.json", "MODEL_CARD.md" })
        {
            Assert.True(File.Exists(Path.Combine(modelDir, file)), $"retrain.py wrote no {file}");
        }
        Assert.Contains("Held-out metrics (test split", await File.ReadAllTextAsync(Path.Combine(modelDir, "MODEL_CARD.md")));

        // 4. Register it as shadow on the Models page.
        var page = await SignedInAsync("/models");
        // The file pickers listen one render after the page is interactive; a file chosen before that is not heard.
        await Assertions.Expect(page.Locator("[data-testid=register][data-ready=on]")).ToHaveCountAsync(1);
        await page.GetByTestId("upload-onnx").SetInputFilesAsync(Path.Combine(modelDir, "model.onnx"));
        await page.GetByTestId("upload-manifest").SetInputFilesAsync(Path.Combine(modelDir, "model.json"));
        await page.GetByTestId("upload-card").SetInputFilesAsync(Path.Combine(modelDir, "MODEL_CARD.md"));
        await Assertions.Expect(page.GetByTestId("upload")).ToBeEnabledAsync();
        await page.GetByTestId("upload").ClickAsync();
        var row = page.Locator($"[data-testid=models] tr[data-model-version='grader-vit-v1@{version}']");
        await Assertions.Expect(row).ToHaveAttributeAsync("data-state", "shadow", new() { Timeout = 30_000 });
        // The retrain keeps the shipped model's too-small warning: it dropped it until 2026-12-07 (ADR 0064).
        await Assertions.Expect(row.GetByTestId("too-small-warning")).ToHaveTextAsync("too-small warning on");

        // 5. More items, photographed (both models predict) and reviewed by a supervisor (final labels).
        for (var n = 0; n < 4; n++)
        {
            await GradedItemAsync(grader, category + "-after", 1000 + n, review: true);
        }
        var comparison = await (await data.GetAsync("/api/v1/models/comparison")).ReadJsonAsync();
        Assert.Equal(4, comparison.GetProperty("photos").GetInt64());
        Assert.Equal($"grader-vit-v1@{version}", comparison.GetProperty("candidate").GetProperty("modelVersion").GetString());
        Assert.Equal(4, comparison.GetProperty("candidate").GetProperty("vsLabel").GetProperty("total").GetInt64());
        Assert.Equal(4, comparison.GetProperty("baseline").GetProperty("vsLabel").GetProperty("total").GetInt64());

        // 6. The page shows the comparison, and promoting there switches the active model.
        await page.ReloadAsync(new() { WaitUntil = WaitUntilState.Commit }); // ready when interactive, not at "load" (see SignInAsync)
        await Assertions.Expect(page.Locator("[data-interactive=on]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("comparison-summary")).ToContainTextAsync("4 photos of 4 items");
        await page.Locator($"[data-testid=models] tr[data-model-version='grader-vit-v1@{version}'] [data-testid=promote]").ClickAsync();
        // Promotion asks first: nothing changes on the click alone.
        await Assertions.Expect(page.GetByTestId("confirm-change")).ToContainTextAsync($"Promote grader-vit-v1@{version}?");
        await Assertions.Expect(page.GetByTestId("confirm-change")).Not.ToContainTextAsync("too-small");
        Assert.Equal("shadow", await row.GetAttributeAsync("data-state"));
        await page.GetByTestId("confirm-yes").ClickAsync();
        await Assertions.Expect(row).ToHaveAttributeAsync("data-state", "active");

        // 7. New suggestions come from the promoted model.
        var itemId = (await grader.CreateItemAsync(ApiJson.UniquePlate("LOOP"), 30m, category)).GetProperty("id").GetString();
        var upload = await grader.PostAsync($"/api/v1/returns/{itemId}/photos", ApiJson.PhotoForm(("n.jpg", TestPhotos.PhotoLikeJpeg(640, 480, seed: 99), "image/jpeg")));
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        Assert.Equal($"grader-vit-v1@{version}", (await upload.ReadJsonAsync()).GetProperty("photos")[0].GetProperty("suggestion").GetProperty("modelVersion").GetString());
    }

    private async Task<string> GradedItemAsync(HttpClient grader, string category, int n, bool review)
    {
        string[] grades = ["LikeNew", "VeryGood", "Good", "Acceptable", "Unsellable"];
        string[] types = ["scratch", "stain", "dent", "tear", "crack", "missing_part"];
        var id = (await grader.CreateItemAsync(ApiJson.UniquePlate("LOOP"), 25m, category)).GetProperty("id").GetString()!;
        var upload = await grader.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("p.jpg", TestPhotos.PhotoLikeJpeg(640, 480, seed: n), "image/jpeg")));
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var photoId = (await upload.ReadJsonAsync()).GetProperty("photos")[0].GetProperty("photoId").GetString();
        var damage = new[] { new { photoId, type = types[n % 6], box = new[] { 40 + n % 200, 60, 120, 80 }, source = "added" } };
        Assert.Equal(HttpStatusCode.Created, (await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new
        {
            grade = grades[n % 5], disposition = "resell_used", damage, flagForReview = review, contradictionReason = "test",
        })).StatusCode);
        if (review)
        {
            var supervisor = Fixture.App.ApiClient("dev-supervisor");
            var task = (await (await grader.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("reviews")[0].GetProperty("taskId").GetString();
            Assert.Equal(HttpStatusCode.OK, (await supervisor.PostAsync($"/api/v1/review-queue/{task}/claim", null)).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision",
                new { grade = grades[(n + 1) % 5], disposition = "liquidate", reasonCode = "wrong_grade", damage })).StatusCode);
        }
        return id;
    }

    private async Task<JsonElement> RetrainAsync(string package, string modelDir, string version)
    {
        var start = new ProcessStartInfo("/usr/bin/python3",
            ["retrain.py", "--data", package, "--init", RepositoryPaths.ShippedModel, "--out", modelDir, "--version", version,
             "--work", Path.Combine(Path.GetDirectoryName(package)!, "work"), "--epochs", "1", "--batch", "4", "--max-minutes", "0.5", "--warmup", "1"])
        {
            WorkingDirectory = Path.Combine(RepositoryPaths.Root, "models", "training"), RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.Environment["OPENBLAS_NUM_THREADS"] = "1";
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Output.WriteLine($"retrain.py: {watch.Elapsed.TotalSeconds:F0} s, exit {process.ExitCode}\n{await stdout}\n{await stderr}");
        if (process.ExitCode != 0)
        {
            var log = Path.Combine(Path.GetDirectoryName(package)!, "work", "retrain.log");
            Assert.Fail($"retrain.py exited {process.ExitCode}: {await stderr}\n{(File.Exists(log) ? await File.ReadAllTextAsync(log) : "")}");
        }
        return JsonDocument.Parse((await stdout).Trim().Split('\n')[^1]).RootElement;
    }

    private async Task<IPage> SignedInAsync(string path)
    {
        var context = await Fixture.NewContextAsync(new BrowserNewContextOptions { BaseURL = Fixture.BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        await BrowserAppFixture.SignInAsync(page, path, "Dana Data", "DataScientist");
        return page;
    }
}
