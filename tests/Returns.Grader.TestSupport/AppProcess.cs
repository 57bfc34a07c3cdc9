using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Returns.Grader.TestSupport;

/// <summary>Returns.Grader.Web.dll from this build, run by the dotnet host on a free loopback port.</summary>
public sealed class AppProcess : IDisposable
{
    private readonly Process _process;

    private AppProcess(Process process, HttpClient client)
    {
        _process = process;
        Client = client;
    }

    public HttpClient Client { get; }

    public Uri BaseAddress => Client.BaseAddress!;

    /// <summary>A client of its own, with a development API key (dev-grader, dev-supervisor, dev-data, dev-admin).</summary>
    public HttpClient CreateClient(string apiKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        client.DefaultRequestHeaders.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public static Task<AppProcess> StartAsync(string dataDirectory, TestDatabase database) =>
        StartAsync(dataDirectory, database.Settings);

    /// <summary>Starts the app on <paramref name="dataDirectory"/> with <paramref name="settings"/> (configuration keys) over appsettings.</summary>
    public static async Task<AppProcess> StartAsync(string dataDirectory, IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var port = FreePort();
        var process = Process.Start(StartInfo(port, dataDirectory, settings, "Development"))!;
        // The app's last lines, for the failure message when it does not come up.
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }
            output.Enqueue(line);
            while (output.Count > 30 && output.TryDequeue(out _))
            {
            }
        }
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        client.DefaultRequestHeaders.Add("X-Api-Key", "dev-grader");
        // A bound, not a timing: under a full ./test.sh on 2 busy cores a cold start has taken over 60 s.
        var deadline = DateTime.UtcNow.Add(StartTimeout);
        try
        {
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"The app exited at start with code {process.ExitCode}:\n{string.Join('\n', output)}");
                }
                try
                {
                    if ((await client.GetAsync("/readyz")).IsSuccessStatusCode)
                    {
                        return new AppProcess(process, client);
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                if (DateTime.UtcNow >= deadline)
                {
                    throw new TimeoutException($"The app did not become ready within {StartTimeout.TotalSeconds} s. Its last lines:\n{string.Join('\n', output)}");
                }
                await Task.Delay(100);
            }
        }
        catch
        {
            // Never leave a half-started app running after the test has failed.
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            process.Dispose();
            client.Dispose();
            throw;
        }
    }

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);

    /// <summary>
    /// Runs the app with settings it must refuse, in <paramref name="environment"/>, until it exits: its exit code and
    /// what it wrote to standard error and output. Killed after the start bound (then the exit code is the kill's).
    /// </summary>
    public static async Task<(int ExitCode, string Error, string Output)> RunUntilExitAsync(
        string dataDirectory, IEnumerable<KeyValuePair<string, string?>> settings, string environment)
    {
        using var process = Process.Start(StartInfo(FreePort(), dataDirectory, settings, environment))!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        using var bound = new CancellationTokenSource(StartTimeout);
        try
        {
            await process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        return (process.ExitCode, await error, await output);
    }

    private static ProcessStartInfo StartInfo(int port, string dataDirectory, IEnumerable<KeyValuePair<string, string?>> settings, string environment)
    {
        var app = Path.Combine(AppContext.BaseDirectory, "Returns.Grader.Web.dll");
        var start = new ProcessStartInfo("dotnet", [app, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        start.Environment["Grader__DataDirectory"] = dataDirectory;
        if (environment == "Development")
        {
            start.Environment["Grader__Exports__SnapshotSettle"] = "00:00:00"; // as GraderAppFactory (ADR 0048); a test may set it
        }
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        return start;
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing; what was committed must already be on disk.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }
        _process.Dispose();
        Client.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
