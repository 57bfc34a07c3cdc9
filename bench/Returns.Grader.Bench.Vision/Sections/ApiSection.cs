using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Returns.Grader.Bench.Vision.Measurement;
using static Returns.Grader.Bench.Vision.BenchContext;

namespace Returns.Grader.Bench.Vision.Sections;

/// <summary>
/// 6: uploads through the real app on loopback. Starts
/// `dotnet run --project src/Returns.Grader.Web -c Release --urls http://127.0.0.1:5099` (Development, a temporary data
/// directory, the bench's model), creates one item per upload with POST /api/v1/returns and times
/// POST /api/v1/returns/{id}/photos (multipart part "file") from the request to the last byte of the answer.
/// </summary>
public static class ApiSection
{
    private const string BaseUrl = "http://127.0.0.1:5099";
    private const string ApiKey = "dev-grader";

    public static async Task<bool> RunAsync(BenchContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Md("## 6. Through the API: upload of the 12 MP JPEG on loopback");
        context.Md();
        if (PortInUse(5099))
        {
            context.Md("Port 5099 is in use: skipped.");
            return false;
        }

        var dataDirectory = Directory.CreateTempSubdirectory("grader-bench-");
        var logPath = Path.Combine(context.Artifacts, "api-app.log");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = context.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "run", "--project", "src/Returns.Grader.Web", "-c", "Release", "--urls", BaseUrl })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Grader__DataDirectory"] = dataDirectory.FullName;
        start.Environment["Grader__Vision__ModelDirectory"] = context.ModelDirectory;
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1"; // leave no build nodes behind
        foreach (var (key, value) in context.AppEnvironment)
        {
            start.Environment[key] = value;
        }

        var launched = Stopwatch.StartNew();
        using var app = Process.Start(start)!;
        await using var log = new StreamWriter(logPath) { AutoFlush = true };
        app.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        app.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        app.BeginOutputReadLine();
        app.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
            http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
            var ready = await WaitReadyAsync(http, app, TimeSpan.FromMinutes(4));
            if (ready is null)
            {
                context.Md($"The app did not become ready (log: {Path.GetRelativePath(context.RepoRoot, logPath)}).");
                return false;
            }
            var readyAfter = launched.Elapsed;
            var serverPid = FindApp(app.Id);
            Console.WriteLine($"App ready after {readyAfter.TotalSeconds:F0} s (build + start); pid {serverPid}; {ready}");
            var manualOnPurpose = context.AppEnvironment.ContainsKey("Grader__Vision__ModelDirectory");
            if (!manualOnPurpose && (!ready.Contains("Healthy", StringComparison.Ordinal) || ready.Contains("Manual mode", StringComparison.Ordinal)))
            {
                context.Md($"The app is not using the model: {ready}");
                return false;
            }

            var warmup = context.Runs(60, 1); // enough for tiered compilation to settle (its background re-JIT otherwise shows as server CPU)
            var runs = context.Runs(30, 5);
            var times = new List<double>();
            string? firstSuggestion = null;
            TimeSpan? serverCpuBefore = null;
            for (var i = 0; i < warmup + runs; i++)
            {
                if (i == warmup)
                {
                    serverCpuBefore = serverPid is { } pid ? ProcessStats.CpuTimeOf(pid) : null;
                }
                var itemId = await CreateItemAsync(http, i);
                using var form = new MultipartFormDataContent();
                var file = new ByteArrayContent(context.Photo);
                file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
                form.Add(file, "file", "photo.jpg");
                var watch = Stopwatch.StartNew();
                using var response = await http.PostAsync(new Uri($"/api/v1/returns/{itemId}/photos", UriKind.Relative), form);
                var body = await response.Content.ReadAsStringAsync();
                var ms = watch.Elapsed.TotalMilliseconds;
                if (!response.IsSuccessStatusCode)
                {
                    context.Md($"Upload failed: {(int)response.StatusCode} {body}");
                    return false;
                }
                if (i >= warmup)
                {
                    times.Add(ms);
                }
                firstSuggestion ??= Describe(body);
            }
            var serverCpu = serverPid is { } p && serverCpuBefore is { } cpu0 && ProcessStats.CpuTimeOf(p) is { } cpu1
                ? (cpu1 - cpu0).TotalMilliseconds / runs : double.NaN;
            var timing = new Timing(times);
            context.ApiUpload = timing;
            var serverPeak = serverPid is { } peakPid ? ProcessStats.PeakRssKbOf(peakPid) / 1024.0 : double.NaN;

            context.Md($"App: `dotnet run --project src/Returns.Grader.Web -c Release --urls {BaseUrl}`, Development{string.Concat(context.AppEnvironment.Select(e => $", **{e.Key}={e.Value}**"))}, SQLite and photos in a temporary directory, model {Path.GetRelativePath(context.RepoRoot, context.ModelDirectory)}; ready after {F(readyAfter.TotalSeconds, "F0")} s (build + start). Answer of the first upload: {firstSuggestion}.");
            context.Md();
            context.Md("| Upload (3.3 MB multipart, one photo, new item each) | Median | P95 (client) | Min–max | Runs | Server CPU per upload | Server peak RSS |");
            context.Md("|---|--:|--:|--:|--:|--:|--:|");
            context.Md($"| POST /api/v1/returns/{{id}}/photos, sequential, after {warmup} warm-ups | {F(timing.Median)} ms | {F(timing.P95)} ms | {F(timing.Min)}–{F(timing.Max)} ms | {timing.Count} | {F(serverCpu, "F0")} ms | {F(serverPeak, "F0")} MB |");
            context.Md();
            return true;
        }
        finally
        {
            if (!app.HasExited)
            {
                app.Kill(entireProcessTree: true); // the `dotnet run` this section started, and the app under it
                await app.WaitForExitAsync();
            }
            try
            {
                dataDirectory.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<string?> WaitReadyAsync(HttpClient http, Process app, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout && !app.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
                var body = await response.Content.ReadAsStringAsync();
                using var json = JsonDocument.Parse(body);
                var vision = json.RootElement.GetProperty("checks").GetProperty("vision");
                return $"{vision.GetProperty("status").GetString()}: {vision.GetProperty("description").GetString()}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
            {
                await Task.Delay(500);
            }
        }
        return null;
    }

    private static async Task<Guid> CreateItemAsync(HttpClient http, int index)
    {
        var returnId = string.Create(CultureInfo.InvariantCulture, $"BENCH-{Environment.ProcessId}-{index}");
        using var response = await http.PostAsJsonAsync(new Uri("/api/v1/returns", UriKind.Relative),
            new { returnId, sku = "SKU-BENCH", title = "Bench item", category = "Electronics", unitValue = 49.90m });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /api/v1/returns: {(int)response.StatusCode} {body}");
        }
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("id").GetGuid();
    }

    private static string Describe(string body)
    {
        using var json = JsonDocument.Parse(body);
        var photo = json.RootElement.GetProperty("photos")[0];
        var size = $"stored {photo.GetProperty("width").GetInt32()}×{photo.GetProperty("height").GetInt32()}";
        if (!photo.TryGetProperty("suggestion", out var suggestion) || suggestion.ValueKind == JsonValueKind.Null)
        {
            return $"{size}, NO suggestion";
        }
        return $"{size}, suggestion {suggestion.GetProperty("grade").GetString()} ({F(suggestion.GetProperty("confidence").GetDouble(), "F2")}), {suggestion.GetProperty("damage").GetArrayLength()} regions";
    }

    /// <summary>The app under `dotnet run` (its process, not the CLI's).</summary>
    private static int? FindApp(int dotnetRunPid)
    {
        var pending = new Queue<int>([dotnetRunPid]);
        while (pending.Count > 0)
        {
            var pid = pending.Dequeue();
            foreach (var child in ProcessStats.ChildrenOf(pid))
            {
                try
                {
                    if (File.ReadAllText($"/proc/{child}/cmdline").Contains("Returns.Grader.Web", StringComparison.Ordinal) &&
                        !File.ReadAllText($"/proc/{child}/cmdline").Contains("--project", StringComparison.Ordinal))
                    {
                        return child;
                    }
                }
                catch (IOException)
                {
                }
                pending.Enqueue(child);
            }
        }
        return null;
    }

    private static bool PortInUse(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
