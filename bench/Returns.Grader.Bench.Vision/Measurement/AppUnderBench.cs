using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Returns.Grader.Bench.Vision.Measurement;

/// <summary>
/// The real app on loopback, for the API and load sections: `dotnet run --project src/Returns.Grader.Web -c Release
/// --urls http://127.0.0.1:5099` (or another port) in Development (dev API key), SQLite and photos in a temporary
/// directory, the bench's model, plus the run's <c>--app-env</c> and the section's own environment. Disposing stops the `dotnet run` and the
/// app under it and removes the directory.
/// </summary>
public sealed class AppUnderBench : IAsyncDisposable
{
    public const int DefaultPort = 5099;
    public const string ApiKey = "dev-grader";

    // The first start in a run builds the app; later starts reuse that build (`--no-build`), which saves a minute here.
    private static bool s_built;

    private readonly Process _process;
    private readonly DirectoryInfo _dataDirectory;
    private readonly StreamWriter _log;
    private int _items;

    private AppUnderBench(Process process, DirectoryInfo dataDirectory, StreamWriter log, string logPath, IReadOnlyDictionary<string, string> extraEnvironment, string baseUrl)
    {
        BaseUrl = baseUrl;
        _process = process;
        _dataDirectory = dataDirectory;
        _log = log;
        LogPath = logPath;
        ExtraEnvironment = extraEnvironment;
        Http = CreateClient(maxConnections: 2, TimeSpan.FromSeconds(60));
    }

    public string BaseUrl { get; }

    /// <summary>A client with the dev API key, for readiness, items and sequential uploads.</summary>
    public HttpClient Http { get; }

    /// <summary>The vision check of /readyz ("Healthy: …"), or null when the app never became ready.</summary>
    public string? Ready { get; private set; }

    public TimeSpan ReadyAfter { get; private set; }

    /// <summary>The app's own process (not the `dotnet run` above it), for its CPU time and RSS.</summary>
    public int? ServerPid { get; private set; }

    public string LogPath { get; }

    /// <summary>What this start added to the app's environment: the run's --app-env and the section's own.</summary>
    public IReadOnlyDictionary<string, string> ExtraEnvironment { get; }

    /// <summary>
    /// Starts the app and waits up to 4 minutes for /readyz; check <see cref="Ready"/> (null: it did not start, see the
    /// log) and <see cref="ModelProblem"/> before using it.
    /// </summary>
    public static async Task<AppUnderBench> StartAsync(
        BenchContext context, string logName, IReadOnlyDictionary<string, string>? sectionEnvironment = null, int port = DefaultPort)
    {
        ArgumentNullException.ThrowIfNull(context);
        var baseUrl = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
        var environment = new Dictionary<string, string>(context.AppEnvironment);
        foreach (var (key, value) in sectionEnvironment ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var dataDirectory = Directory.CreateTempSubdirectory("grader-bench-");
        Directory.CreateDirectory(context.Artifacts);
        var logPath = Path.Combine(context.Artifacts, logName);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = context.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string[] arguments = ["run", "--project", "src/Returns.Grader.Web", "-c", "Release", .. s_built ? ["--no-build"] : Array.Empty<string>(), "--urls", baseUrl];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Grader__DataDirectory"] = dataDirectory.FullName;
        start.Environment["Grader__Vision__ModelDirectory"] = context.ModelDirectory;
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1"; // leave no build nodes behind
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var launched = Stopwatch.StartNew();
        var process = Process.Start(start)!;
        var log = new StreamWriter(logPath) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var app = new AppUnderBench(process, dataDirectory, log, logPath, environment, baseUrl);
        app.Ready = await app.WaitReadyAsync(TimeSpan.FromMinutes(4));
        app.ReadyAfter = launched.Elapsed;
        if (app.Ready is not null)
        {
            s_built = true;
            app.ServerPid = FindApp(process.Id);
            Console.WriteLine($"App ready after {app.ReadyAfter.TotalSeconds:F0} s; pid {app.ServerPid}; {app.Ready}");
        }
        return app;
    }

    /// <summary>Why the app is not grading with the model (null when it is, or when manual mode was asked for).</summary>
    public string? ModelProblem =>
        ExtraEnvironment.ContainsKey("Grader__Vision__ModelDirectory") || Ready is null
        || (Ready.Contains("Healthy", StringComparison.Ordinal) && !Ready.Contains("Manual mode", StringComparison.Ordinal))
            ? null
            : $"The app is not using the model: {Ready}";

    /// <summary>The app's command line and settings, for the report.</summary>
    public string Describe(BenchContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return $"`dotnet run --project src/Returns.Grader.Web -c Release --urls {BaseUrl}`, Development{string.Concat(ExtraEnvironment.Select(e => $", **{e.Key}={e.Value}**"))}, SQLite and photos in a temporary directory, model {Path.GetRelativePath(context.RepoRoot, context.ModelDirectory)}; ready after {BenchContext.F(ReadyAfter.TotalSeconds, "F0")} s";
    }

    /// <summary>A client with the dev API key; <paramref name="maxConnections"/> requests can be in flight at once.</summary>
    public HttpClient CreateClient(int maxConnections, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = maxConnections, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) };
        var http = new HttpClient(handler) { BaseAddress = new Uri(BaseUrl), Timeout = timeout };
        http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return http;
    }

    /// <summary>POST /api/v1/returns: a new item to upload photos to.</summary>
    public async Task<Guid> CreateItemAsync()
    {
        var returnId = string.Create(CultureInfo.InvariantCulture, $"BENCH-{Environment.ProcessId}-{Interlocked.Increment(ref _items)}");
        using var response = await Http.PostAsJsonAsync(new Uri("/api/v1/returns", UriKind.Relative),
            new { returnId, sku = "SKU-BENCH", title = "Bench item", category = "Electronics", unitValue = 49.90m });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /api/v1/returns: {(int)response.StatusCode} {body}");
        }
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("id").GetGuid();
    }

    /// <summary>The multipart body of one photo upload (part "file").</summary>
    public static MultipartFormDataContent PhotoForm(byte[] jpeg)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(jpeg);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(file, "file", "photo.jpg");
        return form;
    }

    public static Uri PhotosOf(Guid itemId) => new($"/api/v1/returns/{itemId}/photos", UriKind.Relative);

    public static bool PortInUse(int port = DefaultPort)
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

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true); // the `dotnet run` this class started, and the app under it
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
        try
        {
            _dataDirectory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
        // The port is free again before the next start.
        for (var i = 0; i < 50 && PortInUse(new Uri(BaseUrl).Port); i++)
        {
            await Task.Delay(100);
        }
    }

    private async Task<string?> WaitReadyAsync(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout && !_process.HasExited)
        {
            try
            {
                using var response = await Http.GetAsync(new Uri("/readyz", UriKind.Relative));
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
                    var commandLine = File.ReadAllText($"/proc/{child}/cmdline");
                    if (commandLine.Contains("Returns.Grader.Web", StringComparison.Ordinal) && !commandLine.Contains("--project", StringComparison.Ordinal))
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
}
