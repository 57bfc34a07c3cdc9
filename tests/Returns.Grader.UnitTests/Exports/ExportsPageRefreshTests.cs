using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Features.Exports;

namespace Returns.Grader.UnitTests.Exports;

/// <summary>
/// An export started elsewhere (another person, another node, the API) shows on an open exports page without a reload:
/// the page read the list again only while one of the exports it already listed ran, and said "No exports yet" until
/// reloaded (two-node browser pass, 2026-12-07). The page's clock is the app's, here a fake one.
/// </summary>
public sealed class ExportsPageRefreshTests : RealAppTestBase
{
    private readonly FakeTimeProvider Clock;

    public ExportsPageRefreshTests() : this(new FakeTimeProvider(DateTimeOffset.UtcNow))
    {
    }

    private ExportsPageRefreshTests(FakeTimeProvider clock)
        : base("Test Data", Roles.DataScientist, "test:data", new GraderAppFactory
        {
            Settings = { ["Grader:Vision:ModelDirectory"] = "" },
            TestServices = services => services.AddSingleton<TimeProvider>(clock),
        }, services => services.AddSingleton<TimeProvider>(clock)) // the page's own container first, then the app's
    {
        Clock = clock;
    }

    [Fact]
    public async Task AnExportStartedElsewhere_IsListed_WithinTheIdleRefresh()
    {
        var page = Render<ExportsPage>();
        page.WaitForAssertion(() => Assert.Contains("No exports yet", page.Find("[data-testid=exports]").TextContent, StringComparison.Ordinal));

        var filter = ExportFilter.Parse(new ExportRequest(), out var errors);
        Assert.Empty(errors);
        var started = await App.Services.GetRequiredService<ExportJobs>().CreateAsync(filter, new Actor("test:other", "Other Data", Roles.DataScientist), CancellationToken.None);
        Clock.Advance(TimeSpan.FromSeconds(4)); // a tick or two: nothing listed runs, so the list is not read yet
        Assert.Contains("No exports yet", page.Find("[data-testid=exports]").TextContent, StringComparison.Ordinal);

        Clock.Advance(TimeSpan.FromSeconds(12));

        page.WaitForAssertion(() => Assert.Contains(started.Name, page.Find("[data-testid=exports]").TextContent, StringComparison.Ordinal));
    }
}
