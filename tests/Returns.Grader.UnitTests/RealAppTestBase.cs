using Returns.Grader.TestSupport;

namespace Returns.Grader.UnitTests;

/// <summary>
/// bUnit on the real services of an app on a real SQLite file (the app's container is bUnit's fallback): manual mode
/// unless a test class passes an app with a model. Pages then run against the same code the app runs, not fakes.
/// </summary>
public abstract class RealAppTestBase : BunitTestBase
{
    protected GraderAppFactory App { get; }

    protected RealAppTestBase(string name = "Test Grader", string role = "Grader", string id = "test:grader", GraderAppFactory? app = null,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null)
        : base(name, role, id, services)
    {
        App = app ?? new GraderAppFactory { Settings = { ["Grader:Vision:ModelDirectory"] = "" } };
        Services.AddFallbackServiceProvider(App.Services);
    }

    protected override ValueTask DisposeTestAsync() => App.DisposeAsync();
}
