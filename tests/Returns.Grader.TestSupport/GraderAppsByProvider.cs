using Returns.Grader.Web.Data;

namespace Returns.Grader.TestSupport;

/// <summary>
/// A test class's shared apps (IClassFixture), one per database provider, each made on first use with its own data
/// directory and database: the same tests run on SQLite and PostgreSQL without two copies of the class.
/// </summary>
public sealed class GraderAppsByProvider : IDisposable
{
    private readonly Dictionary<DatabaseProvider, GraderAppFactory> _apps = [];
    private readonly Lock _gate = new();

    /// <summary>Extra settings for every app; set them in the test class's constructor, before the first app starts.</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    public GraderAppFactory this[DatabaseProvider provider]
    {
        get
        {
            lock (_gate)
            {
                if (!_apps.TryGetValue(provider, out var app))
                {
                    app = new GraderAppFactory { Provider = provider };
                    foreach (var (key, value) in Settings)
                    {
                        app.Settings[key] = value;
                    }
                    _apps[provider] = app;
                }
                return app;
            }
        }
    }

    public void Dispose()
    {
        foreach (var app in _apps.Values)
        {
            app.Dispose();
        }
    }
}
