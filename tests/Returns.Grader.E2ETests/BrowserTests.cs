using Xunit.Abstractions;

namespace Returns.Grader.E2ETests;

/// <summary>
/// A class of browser tests: after each test it writes what that test's pages and the app said to the test's output,
/// which the runner prints for failed tests only (<see cref="BrowserDiagnostics"/>).
/// </summary>
public abstract class BrowserTests<TFixture>(TFixture fixture, ITestOutputHelper output) : IAsyncLifetime
    where TFixture : BrowserAppFixture
{
    protected TFixture Fixture => fixture;

    protected ITestOutputHelper Output => output;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.ReportAsync(output);
}
