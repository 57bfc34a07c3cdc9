using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Photos;

namespace Returns.Grader.TestSupport;

/// <summary>
/// The real app (Program), in Development, on its own data directory: a real SQLite file (or, with
/// <see cref="Provider"/> = Postgres, a PostgreSQL database of its own) and a photo folder that no other test class
/// sees. Pass a directory (and a <see cref="Database"/>) to reopen an earlier app's data (restart tests).
/// </summary>
public class GraderAppFactory : WebApplicationFactory<Program>
{
    /// <summary>Defaults to a fresh temporary folder that is deleted with the factory.</summary>
    public string DataDirectory { get; init; } = NewTemporaryDirectory();

    /// <summary>False where a test reopens the same data with a second app (restart).</summary>
    public bool DeleteDataOnDispose { get; init; } = true;

    public static string NewTemporaryDirectory() => Path.Combine(Path.GetTempPath(), "grader-tests", Guid.NewGuid().ToString("N"));

    public string DatabasePath => Path.Combine(DataDirectory, "grader.db");

    /// <summary>The database engine the app runs on; SQLite unless a test says otherwise.</summary>
    public DatabaseProvider Provider { get; init; } = DatabaseProvider.Sqlite;

    /// <summary>An existing database to open (restart tests); without one the factory makes its own and drops it with itself.</summary>
    public TestDatabase? Database { get; init; }

    private TestDatabase? _ownDatabase;

    /// <summary>Where the app keeps photos (and export packages): its photo folder unless a test says otherwise.</summary>
    public StorageProvider Storage { get; init; } = StorageProvider.FileSystem;

    /// <summary>With <see cref="Storage"/> = AzureBlob: a container of the app's own on Azurite, deleted with the factory.</summary>
    public TestBlobContainer? BlobContainer => Storage == StorageProvider.AzureBlob ? _blobContainer ??= TestBlobContainer.Create() : null;

    private TestBlobContainer? _blobContainer;

    /// <summary>Extra settings, applied over appsettings (e.g. to test a limit).</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    public string EnvironmentName { get; init; } = "Development";

    /// <summary>
    /// On SQLite, how long a write waits for another writer's lock before it fails as busy (the app's own is 30 s); a
    /// test of what a busy database answers sets it short (<see cref="HeldWriteLock"/>).
    /// </summary>
    public int? SqliteBusyTimeoutSeconds { get; init; }

    /// <summary>Replaces services for a test (e.g. a fake clock); applied after the app's own registrations.</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        Directory.CreateDirectory(DataDirectory);
        builder.UseEnvironment(EnvironmentName);
        builder.UseSetting("Grader:DataDirectory", DataDirectory);
        // The random audit and blind draws would touch ~5-10 % of any test's items; the tests about them set the shares.
        builder.UseSetting("Grader:Review:AuditShare", "0");
        builder.UseSetting("Grader:Review:BlindShare", "0");
        // An export waits a minute for its snapshot to settle (ADR 0048); the tests about that set it. Shorter is refused
        // outside Development, where the tests of the start's refusals run with the default.
        if (EnvironmentName == "Development")
        {
            builder.UseSetting("Grader:Exports:SnapshotSettle", "00:00:00");
        }
        var database = Database ?? (_ownDatabase ??= TestDatabase.Create(Provider));
        foreach (var (key, value) in database.Settings)
        {
            builder.UseSetting(key, value);
        }
        foreach (var (key, value) in BlobContainer?.Settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
        if (SqliteBusyTimeoutSeconds is { } busyTimeout && Provider == DatabaseProvider.Sqlite)
        {
            builder.UseSetting("ConnectionStrings:Grader", $"Data Source={DatabasePath};Default Timeout={busyTimeout}");
        }
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
        // A query that limits rows without an order (Take, Skip, or First with no condition) reads whichever rows the
        // database gives first, and a Distinct after an OrderBy drops the order: EF only logs these, and one such query sat
        // unnoticed in the logs (exploratory pass, 2026-12-06). Every test fails on one. (EF does not warn on First(condition).)
        builder.ConfigureTestServices(services =>
        {
            services.ConfigureDbContext<SqliteGraderDb>(ThrowOnQueriesWithoutAnOrder);
            services.ConfigureDbContext<PostgresGraderDb>(ThrowOnQueriesWithoutAnOrder);
            services.ConfigureDbContext<SqlServerGraderDb>(ThrowOnQueriesWithoutAnOrder);
        });
        if (TestServices is not null)
        {
            builder.ConfigureTestServices(TestServices);
        }
    }

    private static void ThrowOnQueriesWithoutAnOrder(Microsoft.EntityFrameworkCore.DbContextOptionsBuilder options) =>
        options.ConfigureWarnings(w => w.Throw(
            Microsoft.EntityFrameworkCore.Diagnostics.CoreEventId.RowLimitingOperationWithoutOrderByWarning,
            Microsoft.EntityFrameworkCore.Diagnostics.CoreEventId.FirstWithoutOrderByAndFilterWarning,
            Microsoft.EntityFrameworkCore.Diagnostics.CoreEventId.DistinctAfterOrderByWithoutRowLimitingOperatorWarning));

    /// <summary>
    /// Runs the app on real Kestrel (a free loopback port) instead of the in-memory test server, for what only a real
    /// server does (request body limits and data rates, connection-level behaviour); clients then talk to it over HTTP.
    /// </summary>
    public Uri StartOnKestrel()
    {
        UseKestrel(0);
        StartServer();
        var addresses = Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
        var address = new Uri(addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        ClientOptions.BaseAddress = address;
        return address;
    }

    /// <summary>An API client authenticated with a development key (dev-grader, dev-supervisor, dev-data, dev-admin).</summary>
    public HttpClient ApiClient(string key = "dev-grader")
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = ClientOptions.BaseAddress });
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && DeleteDataOnDispose)
        {
            TryDelete(DataDirectory);
        }
        if (disposing)
        {
            _ownDatabase?.Dispose(); // nobody else knows its name: never reopened
            _blobContainer?.Dispose();
        }
    }

    public static void TryDelete(string directory)
    {
        try
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; never fail a test over cleanup.
        }
    }
}
