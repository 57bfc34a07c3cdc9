using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using Returns.Grader.TestSupport;

// The station's upload on emulated warehouse Wi-Fi (issue 2, issue 17's "≤ 0.8 s"): from the moment a 12 MP, ~4 MB
// phone photo is picked (the file input's change event) to the moment its suggestion is shown and its thumbnail is
// drawn, timed inside the page, with the moment the browser had scaled the photo and started sending it.
// The app runs in process on Kestrel (SQLite, the shipped model unless --manual), Chromium is Debian's.
//
// Usage, from the repository root (docs/benchmarks.md has the measured runs):
//   nice -n 10 dotnet run -c Release --project bench/Returns.Grader.Bench.Station [-- --runs 5 --latency 50 --mbit 50 --manual]
//   ... -- --shrink-study    times ways of scaling the photo in the page instead (and checks ImageDecoder's rotation)
var runs = 5;
var latencyMs = 50;
var megabits = 50.0;
var manual = false;
var shrinkStudy = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--runs": runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--latency": latencyMs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--mbit": megabits = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--manual": manual = true; break;
        case "--shrink-study": shrinkStudy = true; break;
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

if (shrinkStudy)
{
    await ShrinkStudyAsync();
    return 0;
}

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
Console.WriteLine("| run | photo bytes sent | the server received | scaled, sending starts | upload answered | suggestion shown | thumbnail shown |");
Console.WriteLine("|--:|--:|--:|--:|--:|--:|--:|");
var answered = new List<double>();
var shownAfter = new List<double>();
var scaledAfter = new List<double>();
var suggestedAfter = new List<double>();
var api = app.ApiClient();
for (var run = 1; run <= runs; run++)
{
    var plate = ApiJson.UniquePlate("BENCH");
    await api.CreateItemAsync(plate);
    await page.Keyboard.TypeAsync(plate);
    await page.Keyboard.PressAsync("Enter");
    await Assertions.Expect(page.GetByTestId("item-return-id")).ToHaveTextAsync(plate);
    // the moment the suggestion line first appears (a new item has none), recorded by the page itself
    await page.EvaluateAsync("() => { window.__sentBytes = null; window.__suggested = null; performance.clearResourceTimings(); " +
        "document.addEventListener('change', () => { window.__picked = performance.now(); }, { capture: true, once: true }); " +
        "const watch = new MutationObserver(() => { if (document.querySelector('[data-testid=suggestion]')) { window.__suggested = performance.now(); watch.disconnect(); } }); " +
        "watch.observe(document.body, { childList: true, subtree: true }); }");
    await page.GetByTestId("file-input").SetInputFilesAsync(new FilePayload { Name = "12mp.jpg", MimeType = "image/jpeg", Buffer = photo });
    var shown = await page.WaitForFunctionAsync(
        "() => { const i = document.querySelector('[data-testid=photos] img[data-photo-id]'); return i && i.complete && i.naturalWidth > 0 ? performance.now() : null; }",
        null, new PageWaitForFunctionOptions { Timeout = 30_000, PollingInterval = 5 });
    var timings = await page.EvaluateAsync<double[]>(
        "shown => { const post = performance.getEntriesByType('resource').find(e => e.name.includes('/photos') && e.initiatorType === 'xmlhttprequest'); " +
        "return [shown - window.__picked, post ? post.responseEnd - window.__picked : -1, window.__sentBytes ?? -1, " +
        "post ? post.startTime - window.__picked : -1, window.__suggested ? window.__suggested - window.__picked : -1]; }",
        await shown.JsonValueAsync<double>());
    var marks = await page.EvaluateAsync<string>("() => performance.getEntriesByType('mark').filter(m => m.name.startsWith('grader:'))" +
        ".map(m => `${m.name.slice(7)} ${Math.round(m.startTime - window.__picked)}`).join(', ')");
    await page.EvaluateAsync("() => performance.clearMarks()");
    Console.Error.WriteLine($"  run {run}: station.js marks after the pick (ms): {marks}");
    var sent = await ReceivedSizeAsync(plate);
    var suggestion = timings[4] >= 0 ? $"{timings[4]:N0} ms" : "none";
    Console.WriteLine($"| {run} | {(timings[2] >= 0 ? $"{timings[2]:N0}" : "n/a")} | {sent} | {timings[3]:N0} ms | {timings[1]:N0} ms | {suggestion} | {timings[0]:N0} ms |");
    answered.Add(timings[1]);
    shownAfter.Add(timings[0]);
    scaledAfter.Add(timings[3]);
    if (timings[4] >= 0)
    {
        suggestedAfter.Add(timings[4]);
    }
    // grade it and move on, as an associate would: the next run starts from the scan field
    await page.Locator("body").ClickAsync(new LocatorClickOptions { Position = new Position { X = 5, Y = 300 } });
    await page.Keyboard.PressAsync("1");
    await page.Keyboard.PressAsync("Enter");
    await Assertions.Expect(page.GetByTestId("item")).ToHaveCountAsync(0);
}
Console.WriteLine($"| median | | | {Median(scaledAfter):N0} ms | {Median(answered):N0} ms | {(suggestedAfter.Count > 0 ? $"{Median(suggestedAfter):N0} ms" : "none")} | {Median(shownAfter):N0} ms |");
Console.WriteLine($"- Load average at the end {LoadAverage()}");
return 0;

// --shrink-study: where the browser's time goes when it scales the 12 MP photo to the stored size, per way of doing it
// (the photo handed to the page as a Blob; each way run 4 times after one warm-up, medians in ms).
async Task ShrinkStudyAsync()
{
    var json = await page.EvaluateAsync<string>("""
        async (base64) => {
          const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0));
          const file = new File([bytes], "12mp.jpg", { type: "image/jpeg" });
          const maxSide = 2048;
          const toBlob = (canvas) => new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
          const offscreen = async (t, quality) => {
            const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" }); t.mark("decoded");
            const scale = maxSide / Math.max(bitmap.width, bitmap.height);
            const canvas = new OffscreenCanvas(Math.round(bitmap.width * scale), Math.round(bitmap.height * scale));
            const context = canvas.getContext("2d"); context.imageSmoothingQuality = "high";
            context.drawImage(bitmap, 0, 0, canvas.width, canvas.height); bitmap.close(); t.mark("scaled");
            const blob = await canvas.convertToBlob({ type: "image/jpeg", quality }); t.mark(`encoded ${blob.size} bytes`);
          };
          const ways = {
            // what station.js did: decode at full size, draw scaled on a canvas, encode
            "decode full, canvas scale": async (t) => {
              const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" }); t.mark("decoded");
              const scale = maxSide / Math.max(bitmap.width, bitmap.height);
              const canvas = document.createElement("canvas");
              canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
              const context = canvas.getContext("2d"); context.imageSmoothingQuality = "high";
              context.drawImage(bitmap, 0, 0, canvas.width, canvas.height); bitmap.close(); t.mark("scaled");
              await toBlob(canvas); t.mark("encoded");
            },
            // the size from the <img> header (no pixel decode), then decode straight to the stored size
            "size from <img>, decode to size": async (t) => {
              const url = URL.createObjectURL(file);
              const img = new Image();
              await new Promise((resolve, reject) => { img.onload = resolve; img.onerror = reject; img.src = url; });
              URL.revokeObjectURL(url); t.mark("sized");
              const scale = maxSide / Math.max(img.naturalWidth, img.naturalHeight);
              const width = Math.round(img.naturalWidth * scale), height = Math.round(img.naturalHeight * scale);
              const bitmap = await createImageBitmap(file, { imageOrientation: "from-image", resizeWidth: width, resizeHeight: height, resizeQuality: "medium" });
              t.mark("decoded+scaled");
              const canvas = document.createElement("canvas"); canvas.width = width; canvas.height = height;
              canvas.getContext("bitmaprenderer").transferFromImageBitmap(bitmap); t.mark("on canvas");
              await toBlob(canvas); t.mark("encoded");
            },
            // the <img> (sized from its header, decoded by the page's image pipeline) drawn scaled on a canvas
            "<img> drawn scaled": async (t) => {
              const url = URL.createObjectURL(file);
              const img = new Image();
              await new Promise((resolve, reject) => { img.onload = resolve; img.onerror = reject; img.src = url; });
              t.mark("sized");
              const scale = maxSide / Math.max(img.naturalWidth, img.naturalHeight);
              const canvas = document.createElement("canvas");
              canvas.width = Math.round(img.naturalWidth * scale); canvas.height = Math.round(img.naturalHeight * scale);
              const context = canvas.getContext("2d"); context.imageSmoothingQuality = "high";
              context.drawImage(img, 0, 0, canvas.width, canvas.height); URL.revokeObjectURL(url); t.mark("decoded+scaled");
              await toBlob(canvas); t.mark("encoded");
            },
            // as the first, on an OffscreenCanvas, encoded by convertToBlob (at q0.92 and q0.85)
            "decode full, OffscreenCanvas": (t) => offscreen(t, 0.92),
            "decode full, OffscreenCanvas, q0.85": (t) => offscreen(t, 0.85),
            // WebCodecs' ImageDecoder asked for the stored size (a JPEG can be decoded at 1/2 scale directly)
            "ImageDecoder at the stored size": async (t) => {
              if (typeof ImageDecoder !== "function") { t.mark("no ImageDecoder"); return; }
              const decoder = new ImageDecoder({ data: file.stream(), type: "image/jpeg", desiredWidth: 2048, desiredHeight: 1536 });
              const { image } = await decoder.decode(); t.mark(`decoded ${image.displayWidth}x${image.displayHeight}`);
              const canvas = document.createElement("canvas");
              const scale = maxSide / Math.max(image.displayWidth, image.displayHeight);
              canvas.width = Math.round(image.displayWidth * Math.min(1, scale)); canvas.height = Math.round(image.displayHeight * Math.min(1, scale));
              const context = canvas.getContext("2d"); context.imageSmoothingQuality = "high";
              context.drawImage(image, 0, 0, canvas.width, canvas.height); image.close(); decoder.close(); t.mark("drawn");
              await toBlob(canvas); t.mark("encoded");
            },
          };
          const out = {};
          for (const [name, way] of Object.entries(ways)) {
            const runs = [];
            for (let i = 0; i < 5; i++) {
              const marks = []; const start = performance.now();
              await way({ mark: (label) => marks.push([label, performance.now() - start]) });
              if (i > 0) runs.push(marks);
            }
            out[name] = runs;
          }
          return JSON.stringify(out);
        }
        """, Convert.ToBase64String(photo));
    var rotated = await page.EvaluateAsync<string>("""
        async (base64) => {
          const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0));
          const decoder = new ImageDecoder({ data: new Blob([bytes]).stream(), type: "image/jpeg", desiredWidth: 2048, desiredHeight: 1536 });
          const { image } = await decoder.decode();
          const text = `EXIF-6 photo via ImageDecoder: coded ${image.codedWidth}x${image.codedHeight}, display ${image.displayWidth}x${image.displayHeight}, rotation ${image.rotation}, flip ${image.flip}`;
          const draw = (source, w, h) => { const c = document.createElement("canvas"); c.width = w; c.height = h;
            const x = c.getContext("2d"); x.drawImage(source, 0, 0, w, h);
            return [[5, 5], [w - 5, 5], [5, h - 5], [w - 5, h - 5]].map(([px, py]) => Array.from(x.getImageData(px, py, 1, 1).data.slice(0, 3)).join("/")).join(" "); };
          const viaFrame = draw(image, image.displayWidth, image.displayHeight);
          const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/jpeg" }), { imageOrientation: "from-image" });
          const viaBitmap = draw(bitmap, bitmap.width, bitmap.height);
          image.close(); decoder.close();
          return text + `; corners drawn from the frame ${viaFrame}; from createImageBitmap ${viaBitmap} (${bitmap.width}x${bitmap.height})`;
        }
        """, Convert.ToBase64String(TestPhotos.WithExif(TestPhotos.HalfRedHalfBlueJpeg(4000, 2000), orientation: 6)));
    Console.WriteLine(rotated);
    using var parsed = JsonDocument.Parse(json);
    var result = parsed.RootElement;
    Console.WriteLine($"# Browser-side scaling of the {photo.Length:N0}-byte 4032x3024 photo ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, load average {LoadAverage()})");
    foreach (var way in result.EnumerateObject())
    {
        var runsOfWay = way.Value.EnumerateArray().Select(r => r.EnumerateArray().Select(m => (Label: m[0].GetString()!, At: m[1].GetDouble())).ToList()).ToList();
        var labels = runsOfWay[0].Select(m => m.Label).ToList();
        var medians = labels.Select((label, i) => $"{label} {Median(runsOfWay.Select(r => r[i].At).ToList()):N0} ms");
        Console.WriteLine($"- {way.Name}: {string.Join(", ", medians)} (cumulative)");
    }
}

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
