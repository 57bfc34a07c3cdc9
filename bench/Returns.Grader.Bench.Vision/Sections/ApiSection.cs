using System.Diagnostics;
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
    public static async Task<bool> RunAsync(BenchContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Md("## 6. Through the API: upload of the 12 MP JPEG on loopback");
        context.Md();
        if (AppUnderBench.PortInUse())
        {
            context.Md($"Port {AppUnderBench.DefaultPort} is in use: skipped.");
            return false;
        }

        await using var app = await AppUnderBench.StartAsync(context, "api-app.log");
        if (app.Ready is null)
        {
            context.Md($"The app did not become ready (log: {Path.GetRelativePath(context.RepoRoot, app.LogPath)}).");
            return false;
        }
        if (app.ModelProblem is { } problem)
        {
            context.Md(problem);
            return false;
        }
        var serverPid = app.ServerPid;

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
            var itemId = await app.CreateItemAsync();
            using var form = AppUnderBench.PhotoForm(context.Photo);
            var watch = Stopwatch.StartNew();
            using var response = await app.Http.PostAsync(AppUnderBench.PhotosOf(itemId), form);
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

        context.Md($"App: {app.Describe(context)} (build + start). Answer of the first upload: {firstSuggestion}.");
        context.Md();
        context.Md("| Upload (3.3 MB multipart, one photo, new item each) | Median | P95 (client) | Min–max | Runs | Server CPU per upload | Server peak RSS |");
        context.Md("|---|--:|--:|--:|--:|--:|--:|");
        context.Md($"| POST /api/v1/returns/{{id}}/photos, sequential, after {warmup} warm-ups | {F(timing.Median)} ms | {F(timing.P95)} ms | {F(timing.Min)}–{F(timing.Max)} ms | {timing.Count} | {F(serverCpu, "F0")} ms | {F(serverPeak, "F0")} MB |");
        context.Md();
        return true;
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
}
