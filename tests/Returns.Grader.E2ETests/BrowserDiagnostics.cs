using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Returns.Grader.E2ETests;

/// <summary>
/// What a browser test leaves behind for whoever reads a failure: for each page the test opened, where it ended, what it
/// showed and what its console, network and circuit said, and the app's warnings and errors meanwhile. Written to the
/// test's output, which the test runner prints for failed tests only. A timing failure on a busy CI machine is rarely
/// reproduced on demand, so the evidence has to be taken when it happens (issue 17: two such failures in one session
/// left nothing but the assertion's message).
/// </summary>
public sealed class BrowserDiagnostics : ILoggerProvider
{
    private const int MaxEventsPerPage = 60;
    private const int MaxAppRecords = 80;
    private const int MaxVisibleText = 2_000;

    private readonly ConcurrentQueue<PageEvents> _pages = new();
    private readonly ConcurrentQueue<string> _appRecords = new();

    /// <summary>Watches every page the context opens from now on.</summary>
    public void Watch(IBrowserContext context) => context.Page += (_, page) => _pages.Enqueue(new PageEvents(page));

    /// <summary>Writes what was seen since the last report, and forgets it (each test reports its own).</summary>
    public async Task ReportAsync(ITestOutputHelper output)
    {
        var number = 0;
        while (_pages.TryDequeue(out var page))
        {
            number++;
            output.WriteLine($"--- page {number}: {await page.DescribeAsync()}");
            foreach (var line in page.Events)
            {
                output.WriteLine("  " + line);
            }
        }
        if (!_appRecords.IsEmpty)
        {
            output.WriteLine("--- the app's warnings and errors");
        }
        while (_appRecords.TryDequeue(out var record))
        {
            output.WriteLine("  " + record);
        }
    }

    ILogger ILoggerProvider.CreateLogger(string categoryName) => new AppLogger(this, categoryName);

    void IDisposable.Dispose()
    {
    }

    private static string Now() => DateTimeOffset.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);

    private void Add(string record)
    {
        _appRecords.Enqueue(record);
        while (_appRecords.Count > MaxAppRecords && _appRecords.TryDequeue(out _))
        {
        }
    }

    private sealed class AppLogger(BrowserDiagnostics owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Add($"{Now()} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " | " + exception.GetType().Name + ": " + exception.Message)}");
            }
        }
    }

    private sealed class PageEvents
    {
        private readonly IPage _page;
        private readonly ConcurrentQueue<string> _events = new();

        /// <summary>Requests sent and not yet answered in full, with when they were sent: what a page that never reaches
        /// "load" is waiting for.</summary>
        private readonly ConcurrentDictionary<IRequest, string> _open = new();

        public PageEvents(IPage page)
        {
            _page = page;
            page.FrameNavigated += (_, frame) =>
            {
                if (frame.ParentFrame is null)
                {
                    Add("navigated to " + frame.Url);
                }
            };
            page.Console += (_, message) =>
            {
                if (message.Type is "error" or "warning")
                {
                    Add($"console {message.Type}: {message.Text}");
                }
            };
            page.PageError += (_, error) => Add("page error: " + error);
            page.Request += (_, request) => _open[request] = Now();
            page.RequestFinished += (_, request) => _open.TryRemove(request, out string? _);
            page.RequestFailed += (_, request) =>
            {
                _open.TryRemove(request, out string? _);
                Add($"request failed: {request.Method} {request.Url} ({request.Failure})");
            };
            page.Response += (_, response) =>
            {
                if (response.Status >= 400)
                {
                    Add($"HTTP {response.Status}: {response.Request.Method} {response.Url}");
                }
            };
            page.WebSocket += (_, socket) =>
            {
                Add("circuit socket opened: " + socket.Url);
                socket.Close += (_, _) => Add("circuit socket closed");
            };
            // No Dialog listener here: any listener stops Playwright's automatic dismissal, and a dialog no test answers
            // would then hold the page. The tests that expect a dialog listen for it themselves.
        }

        public IEnumerable<string> Events =>
            [.. _events, .. _open.Select(r => $"{r.Value} still open: {r.Key.Method} {r.Key.Url} ({r.Key.ResourceType})")];

        public async Task<string> DescribeAsync()
        {
            if (_page.IsClosed)
            {
                return "closed";
            }
            try
            {
                // Bounded: a page held by something (a dialog, a busy script) must not hold the test's disposal too.
                var text = await _page.EvaluateAsync<string>("() => document.body ? document.body.innerText : ''").WaitAsync(TimeSpan.FromSeconds(5));
                var readyState = await _page.EvaluateAsync<string>("() => document.readyState").WaitAsync(TimeSpan.FromSeconds(5));
                text = string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                return $"{_page.Url} (document {readyState})\n  shows: {(text.Length > MaxVisibleText ? text[..MaxVisibleText] + " ..." : text)}";
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException)
            {
                return $"{_page.Url} (its text could not be read: {e.Message.Split('\n')[0]})";
            }
        }

        private void Add(string line)
        {
            _events.Enqueue($"{Now()} {line}");
            while (_events.Count > MaxEventsPerPage && _events.TryDequeue(out _))
            {
            }
        }
    }
}
