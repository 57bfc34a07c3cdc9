using System.Data.Common;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Returns.Grader.Bench.Quality.Measurement;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;
using Returns.Grader.Web.Features.Grading;
using Returns.Grader.Web.Features.Models;
using Returns.Grader.Web.Features.Quality;
using Returns.Grader.Web.Features.Review;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Bench.Quality;

/// <summary>
/// The app's review desk and quality metrics built by hand over the seeded file: a pooled context factory behind the
/// same IDbContextFactory&lt;GraderDb&gt; adapter the app registers, the app's connection settings and pragmas (WAL,
/// synchronous=FULL, foreign keys), default options, the system clock.
/// </summary>
public sealed class BenchServices
{
    /// <summary>The same pragmas as DataRegistration's SqliteDurabilityInterceptor (private there).</summary>
    public const string Pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";

    public BenchServices(string databasePath)
    {
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Cache = SqliteCacheMode.Private,
            DefaultTimeout = 30,
            Pooling = true,
        }.ToString();
        var review = new StaticOptionsMonitor<ReviewOptions>(new ReviewOptions());
        Factory = CreateFactory(record: false);
        // Never initialised: no model is loaded, and the seeded predictions' versions are not registered, so item
        // suggestions use the grade head alone, as the app does for a model without an item rule.
        Models = new ModelRegistry(
            Options.Create(new VisionOptions()),
            Options.Create(new GraderOptions { DataDirectory = Path.GetDirectoryName(Path.GetFullPath(databasePath))! }),
            new BenchHostEnvironment(), Factory, new RubricCatalog(Options.Create(new RubricOptions())), TimeProvider.System, NullLogger<ModelRegistry>.Instance);
        Desk = BuildDesk(Factory, review, Models);
        Metrics = new QualityMetrics(Factory, review, TimeProvider.System);
        // A second pair whose commands are captured, so the timed pair carries no recording cost.
        RecordedDesk = BuildDesk(CreateFactory(record: true), review, Models);
        RecordedMetrics = new QualityMetrics(CreateFactory(record: true), review, TimeProvider.System);
    }

    public string ConnectionString { get; }
    public IDbContextFactory<GraderDb> Factory { get; }
    public ModelRegistry Models { get; }
    public SqlCapture Capture { get; } = new();
    public ReviewDesk Desk { get; }
    public QualityMetrics Metrics { get; }
    public ReviewDesk RecordedDesk { get; }
    public QualityMetrics RecordedMetrics { get; }

    private static ReviewDesk BuildDesk(IDbContextFactory<GraderDb> factory, IOptionsMonitor<ReviewOptions> review, ModelRegistry models)
    {
        var decisions = new DecisionLedger(factory, new RubricCatalog(Options.Create(new RubricOptions())),
            new StaticOptionsMonitor<DispositionOptions>(new DispositionOptions()), models, review, TimeProvider.System);
        return new ReviewDesk(factory, decisions, review, TimeProvider.System);
    }

    private GraderDbFactory CreateFactory(bool record)
    {
        var builder = new DbContextOptionsBuilder<SqliteGraderDb>().UseSqlite(ConnectionString).AddInterceptors(new DurabilityPragmas());
        if (record)
        {
            builder.AddInterceptors(Capture);
        }
        return new GraderDbFactory(new PooledDbContextFactory<SqliteGraderDb>(builder.Options));
    }

    private sealed class BenchHostEnvironment : IWebHostEnvironment
    {
        public string WebRootPath { get; set; } = AppContext.BaseDirectory;
        public IFileProvider WebRootFileProvider { get; set; } = new NullFileProvider();
        public string ApplicationName { get; set; } = "Returns.Grader.Bench.Quality";
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
        public string EnvironmentName { get; set; } = "Production";
    }

    /// <summary>The app asks for GraderDb; the SQLite subclass answers (DataRegistration's adapter is private).</summary>
    private sealed class GraderDbFactory(IDbContextFactory<SqliteGraderDb> inner) : IDbContextFactory<GraderDb>
    {
        public GraderDb CreateDbContext() => inner.CreateDbContext();

        public async Task<GraderDb> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
            await inner.CreateDbContextAsync(cancellationToken);
    }

    private sealed class DurabilityPragmas : DbConnectionInterceptor
    {
        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            command.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Fixed options: the bench uses the defaults the app ships with.</summary>
    private sealed class StaticOptionsMonitor<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}
