using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using Returns.Grader.TestSupport;

// The station's upload on emulated warehouse Wi-Fi (issue 2, issue 17's "≤ 0.8 s"): from the moment a 12 MP, ~4 MB
// phone photo is picked (the file input's change event) to the moment its thumbnail is drawn, timed inside the page.
// The app runs in process on Kestrel (SQLite, the shipped model unless --manual), Chromium is Debian's.
//
// Usage, from the repository root (docs/benchmarks.md has the measured runs):
//   nice -n 10 dotnet run -c Release --project bench/Returns.Grader.Bench.Station [-- --runs 5 --latency 50 --mbit 50 --manual]
var runs = 5;
var latencyMs = 50;
var megabits = 50.0;
var manual = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--latency": latencyMs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--mbit": megabits = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--manual": manual = true; break;
        default: throw new ArgumentException($"Unknown argument {args[i]}; see Program.cs.");
    }
}

var chromium = Environment.GetEnvironmentVariable("GRADER_CHROMIUM") ?? "/usr/bin/chromium";
if (!File.Exists(chromium))
{
    Console.Error.WriteLine($"Chromium is not at {chromium}: apt-get install chromium, or set GRADER_CHROMIUM.");
    return 2;
}

// A 12-megapixel photo-like JPEG at the quality that lands closest to 4 MB, like a phone photo.
var photo = Enumerable.Range(88, 9).Select(quality => TestPhotos.PhotoLikeJpeg(4032, 3024, quality)).MinBy(bytes => Math.Abs(bytes.Length - 4_000_000))!;

// WebApplicationFactory finds the web project through MvcTestingAppManifest.json in the current directory (a test
// runner's is the output folder; `dotnet run`'s is the project folder)
Environment.CurrentDirectory = AppContext.BaseDirectory;
await using var app = new GraderAppFactory();
app.Settings["Grader:Vision:ModelDirectory"] = manual ? "" : RepositoryPaths.ShippedModel;
var address = app.StartOnKestrel();
using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = chromium,
    Headless = true,
    Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
});
var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = address.ToString() });
// Records the size of the file(s) station.js puts in each upload (after it scaled the photo): the bytes on the Wi-Fi.
await context.AddInitScriptAsync("""
    (() => {
        const send = XMLHttpRequest.prototype.send;
        XMLHttpRequest.prototype.send = function (body) {
            if (body instanceof FormData) {
                let bytes = 0;
                for (const [, value] of body) { if (value instanceof Blob) { bytes += value.size; } }
                window.__sentBytes = bytes;
            }
            return send.call(this, body);
        };
    })();
    """);
var page = await context.NewPageAsync();
page.SetDefaultTimeout(30_000);
await page.GotoAsync("/station");
await page.WaitForURLAsync("**/account/login**");
await page.FillAsync("#name", "Bench Wifi");
await page.SelectOptionAsync("#role", "Grader");
await page.ClickAsync("button[type=submit]");
await page.WaitForURLAsync("**/station");
await Assertions.Expect(page.Locator("#scan")).ToBeFocusedAsync();

var cdp = await context.NewCDPSessionAsync(page);
await cdp.SendAsync("Network.enable");
await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
{
    ["offline"] = false,
    ["latency"] = latencyMs,
    ["downloadThroughput"] = megabits * 1_000_000 / 8,
    ["uploadThroughput"] = megabits * 1_000_000 / 8,
});

Console.WriteLine($"# Station upload bench, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine($"- Machine: {Environment.ProcessorCount} cores; load average at the start {LoadAverage()}; model: {(manual ? "none (manual mode)" : "the shipped one")}");
Console.WriteLine($"- Photo: {photo.Length:N0} bytes, 4032x3024; network: {latencyMs} ms round trip, {megabits:0.#} Mbit/s both ways");
Console.WriteLine();
Console.WriteLine("| run | photo bytes sent | the server received | upload answered | shown at the station |");
Console.WriteLine("|--:|--:|--:|--:|--:|");
var answered = new List<double>();
var shownAfter = new List<double>();
var api = app.ApiClient();
for (var run = 1; run <= runs; run++)
{
    var plate = ApiJson.UniquePlate("BENCH");
    await api.CreateItemAsync(plate);
    await page.Keyboard.TypeAsync(plate);
    await page.Keyboard.PressAsync("Enter");
    await Assertions.Expect(page.GetByTestId("item-return-id")).ToHaveTextAsync(plate);
    await page.EvaluateAsync("() => { window.__sentBytes = null; performance.clearResourceTimings(); document.addEventListener('change', () => { window.__picked = performance.now(); }, { capture: true, once: true }); }");
    await page.GetByTestId("file-input").SetInputFilesAsync(new FilePayload { Name = "12mp.jpg", MimeType = "image/jpeg", Buffer = photo });
    var shown = await page.WaitForFunctionAsync(
        "() => { const i = document.querySelector('[data-testid=photos] img[data-photo-id]'); return i && i.complete && i.naturalWidth > 0 ? performance.now() : null; }",
        null, new PageWaitForFunctionOptions { Timeout = 30_000, PollingInterval = 5 });
    var timings = await page.EvaluateAsync<double[]>(
        "shown => { const post = performance.getEntriesByType('resource').find(e => e.name.includes('/photos') && e.initiatorType === 'xmlhttprequest'); " +
        "return [shown - window.__picked, post ? post.responseEnd - window.__picked : -1, window.__sentBytes ?? -1]; }",
        await shown.JsonValueAsync<double>());
    var sent = await ReceivedSizeAsync(plate);
    Console.WriteLine($"| {run} | {(timings[2] >= 0 ? $"{timings[2]:N0}" : "n/a")} | {sent} | {timings[1]:N0} ms | {timings[0]:N0} ms |");
    answered.Add(timings[1]);
    shownAfter.Add(timings[0]);
    // grade it and move on, as an associate would: the next run starts from the scan field
    await page.Locator("body").ClickAsync(new LocatorClickOptions { Position = new Position { X = 5, Y = 300 } });
    await page.Keyboard.PressAsync("1");
    await page.Keyboard.PressAsync("Enter");
    await Assertions.Expect(page.GetByTestId("item")).ToHaveCountAsync(0);
}
Console.WriteLine($"| median | | | {Median(answered):N0} ms | {Median(shownAfter):N0} ms |");
Console.WriteLine($"- Load average at the end {LoadAverage()}");
return 0;

// What the server received for the item's photo (its source size in pixels): the browser's scaling at work.
async Task<string> ReceivedSizeAsync(string plate)
{
    using var item = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/returns?returnId={plate}"));
    var id = item.RootElement.GetProperty("photos")[0].GetProperty("photoId").GetGuid();
    var factory = (Microsoft.EntityFrameworkCore.IDbContextFactory<Returns.Grader.Web.Data.GraderDb>)app.Services.GetService(
        typeof(Microsoft.EntityFrameworkCore.IDbContextFactory<Returns.Grader.Web.Data.GraderDb>))!;
    await using var db = await factory.CreateDbContextAsync();
    var stored = db.Photos.Single(p => p.Id == id);
    return $"{stored.SourceWidth}x{stored.SourceHeight}";
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
