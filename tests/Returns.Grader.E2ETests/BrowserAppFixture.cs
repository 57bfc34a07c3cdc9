using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Returns.Grader.TestSupport;
using Xunit.Abstractions;

namespace Returns.Grader.E2ETests;

/// <summary>
/// The real app on real Kestrel (a free port), with its own data directory, and headless Chromium from Debian's package
/// driven by Playwright. Playwright's own browser download cannot work here, so the browser path is given.
/// </summary>
public class BrowserAppFixture : IAsyncLifetime
{
    public const string ChromiumPathVariable = "GRADER_CHROMIUM";

    private IPlaywright? _playwright;

    public BrowserAppFixture()
    {
        App = new GraderAppFactory { TestServices = services => services.AddSingleton<ILoggerProvider>(Diagnostics) };
    }

    public GraderAppFactory App { get; }

    /// <summary>What the pages and the app said, for a failed test's output (<see cref="ReportAsync"/>).</summary>
    public BrowserDiagnostics Diagnostics { get; } = new();

    /// <summary>Which model the app runs; empty = manual mode (the station flow without suggestions).</summary>
    protected virtual string ModelDirectory => "";

    public IBrowser Browser { get; private set; } = default!;

    public Uri BaseAddress { get; private set; } = default!;

    public virtual async Task InitializeAsync()
    {
        App.Settings["Grader:Vision:ModelDirectory"] = ModelDirectory;
        App.UseKestrel(0);
        App.StartServer();
        var addresses = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseAddress = new Uri(addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        App.ClientOptions.BaseAddress = BaseAddress; // API helpers then talk to the same Kestrel over real HTTP

        var chromium = Environment.GetEnvironmentVariable(ChromiumPathVariable) ?? "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            throw new InvalidOperationException($"Chromium is not at {chromium}. Install it with `apt-get install chromium` (the README's test command does) or set {ChromiumPathVariable}.");
        }
        // A shared 2-core CI box can be slow to render after a navigation; waiting longer for a condition is not a retry.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>
    /// A new browser context at the given screen size, signed in through the local sign-in form as
    /// <paramref name="name"/> with <paramref name="role"/>, on <paramref name="path"/> once its page is interactive.
    /// </summary>
    public async Task<IPage> SignedInAsync(string path, string name, string role = "Grader", int width = 1280, int height = 720)
    {
        var context = await NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        var page = await context.NewPageAsync();
        await SignInAsync(page, path, name, role);
        return page;
    }

    /// <summary>
    /// Signs <paramref name="page"/> in through the local sign-in form and waits until <paramref name="path"/> is
    /// interactive (the layout's <c>data-interactive=on</c>: the circuit is up and the components answer), which is what a
    /// person waits for. Not the browser's load event: twice in clean-clone runs (2026-12-05, two sessions) a page had
    /// rendered, opened its circuit and shown its text, and "load" still had not come 45 s later; the diagnostics now
    /// list the requests still open when a test fails, to say which.
    /// </summary>
    /// <summary>
    /// The page's address reaches <paramref name="path"/>, read from the address itself. Not WaitForURL: when the address
    /// already matches, it waits for the load state even when told "commit", and a third clean-clone failure (2026-12-05)
    /// showed a page whose document was complete, with no request open, while Playwright still waited for its "load".
    /// </summary>
    public static Task ExpectAtAsync(IPage page, string path) =>
        Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(System.Text.RegularExpressions.Regex.Escape(path) + "([?#]|$)"),
            new PageAssertionsToHaveURLOptions { Timeout = 45_000 });

    public static async Task SignInAsync(IPage page, string path, string name, string? role = null)
    {
        ArgumentNullException.ThrowIfNull(page);
        page.SetDefaultNavigationTimeout(45_000);
        await page.GotoAsync(path, new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        await ExpectAtAsync(page, "/account/login"); // not signed in: the page sends the browser to the form
        await page.FillAsync("#name", name);
        if (role is not null)
        {
            await page.SelectOptionAsync("#role", role);
        }
        await page.ClickAsync("button[type=submit]");
        await ExpectAtAsync(page, path);
        await Assertions.Expect(page.Locator("[data-interactive=on]")).ToHaveCountAsync(1);
        if (path == "/station")
        {
            // The station's keys are its own script's (station.js), imported once the page is live: until it is attached a
            // grade key pressed right after a scan can land in the scan field. The old wait for "load" happened to cover
            // that second; this says it.
            await Assertions.Expect(page.Locator("[data-testid=station][data-ready=on]")).ToHaveCountAsync(1);
        }
    }

    /// <summary>A new browser context whose pages the diagnostics watch; tests open every context through here.</summary>
    public async Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions options)
    {
        var context = await Browser.NewContextAsync(options);
        Diagnostics.Watch(context);
        return context;
    }

    /// <summary>Writes what the test's pages and the app said to the test's output (printed when the test fails).</summary>
    public Task ReportAsync(ITestOutputHelper output) => Diagnostics.ReportAsync(output);

    /// <summary>Uploads one of models/samples at the open station item and waits for the model's suggestion.</summary>
    public static async Task UploadSampleAsync(IPage page, string sample)
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(RepositoryPaths.Root, "models", "samples", sample));
        await page.GetByTestId("file-input").SetInputFilesAsync(new FilePayload { Name = sample, MimeType = "image/jpeg", Buffer = bytes });
        await Assertions.Expect(page.GetByTestId("suggestion")).ToContainTextAsync("grader-vit-v1@");
    }

    public virtual async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
        await App.DisposeAsync();
    }
}

/// <summary>The same, with the shipped model suggesting grades and regions.</summary>
public sealed class BrowserAppWithModelFixture : BrowserAppFixture
{
    protected override string ModelDirectory => RepositoryPaths.ShippedModel;
}
