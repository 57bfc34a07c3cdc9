using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Returns.Grader.TestSupport;

namespace Returns.Grader.E2ETests;

/// <summary>
/// The real app on real Kestrel (a free port), with its own data directory, and headless Chromium from Debian's package
/// driven by Playwright. Playwright's own browser download cannot work here, so the browser path is given.
/// </summary>
public class BrowserAppFixture : IAsyncLifetime
{
    public const string ChromiumPathVariable = "GRADER_CHROMIUM";

    private IPlaywright? _playwright;

    public GraderAppFactory App { get; } = new();

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
