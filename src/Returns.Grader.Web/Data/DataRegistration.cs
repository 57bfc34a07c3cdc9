using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Data;

public enum DatabaseProvider
{
    Sqlite,
    SqlServer,
    Postgres,
}

/// <summary>Section "Database".</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    [EnumDataType(typeof(DatabaseProvider))]
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply pending migrations at start (the embedded default). Turn off where a release step migrates.</summary>
    public bool MigrateOnStart { get; set; } = true;
}

public static partial class DataRegistration
{
    public const string ConnectionStringName = "Grader";

    public static WebApplicationBuilder AddGraderData(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfigurationStrictly(DatabaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        var provider = builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>()?.Provider ?? DatabaseProvider.Sqlite;
        var configured = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (provider is DatabaseProvider.SqlServer or DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(configured))
        {
            throw new OptionsValidationException(ConnectionStringName, typeof(DatabaseOptions),
                [$"Database:Provider is {provider} but ConnectionStrings:Grader is empty."]);
        }
        if (configured is not null && !ReadsAsConnectionString(provider, configured))
        {
            // The provider's own words ("Format of the initialization string does not conform...") named no setting
            // (operator pass, 2026-12-05); the string itself is not repeated, it may hold a password.
            throw new OptionsValidationException(ConnectionStringName, typeof(DatabaseOptions),
                [$"ConnectionStrings:Grader is not a {provider} connection string (its format, or a keyword in it, is not one {provider} reads)."]);
        }
        switch (provider)
        {
            case DatabaseProvider.SqlServer:
                builder.Services.AddDbContextFactory<SqlServerGraderDb>(o => o.UseSqlServer(configured, sql => sql.EnableRetryOnFailure()).AddInterceptors(NulTextInterceptor.Instance));
                builder.Services.AddSingleton<IDbContextFactory<GraderDb>, GraderDbFactory<SqlServerGraderDb>>();
                break;
            case DatabaseProvider.Postgres:
                builder.Services.AddDbContextFactory<PostgresGraderDb>(o => o.UseNpgsql(configured, pg => pg.EnableRetryOnFailure()).AddInterceptors(NulTextInterceptor.Instance));
                builder.Services.AddSingleton<IDbContextFactory<GraderDb>, GraderDbFactory<PostgresGraderDb>>();
                break;
            default:
                var connectionString = configured ?? SqliteConnectionString(builder);
                builder.Services.AddDbContextFactory<SqliteGraderDb>(o => o.UseSqlite(connectionString).AddInterceptors(new SqliteDurabilityInterceptor(), NulTextInterceptor.Instance));
                builder.Services.AddSingleton<IDbContextFactory<GraderDb>, GraderDbFactory<SqliteGraderDb>>();
                break;
        }
        return builder;
    }

    private static bool ReadsAsConnectionString(DatabaseProvider provider, string connectionString)
    {
        try
        {
            _ = provider switch
            {
                DatabaseProvider.SqlServer => (System.Data.Common.DbConnectionStringBuilder)new Microsoft.Data.SqlClient.SqlConnectionStringBuilder(connectionString),
                DatabaseProvider.Postgres => new Npgsql.NpgsqlConnectionStringBuilder(connectionString),
                _ => new SqliteConnectionStringBuilder(connectionString),
            };
            return true;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    private static string SqliteConnectionString(WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(GraderOptions.Section).Get<GraderOptions>() ?? new GraderOptions();
        var directory = options.ResolveDataDirectory(builder.Environment.ContentRootPath);
        // "Could not find file '/proc/x'" named no setting (operator pass, 2026-12-05).
        Folders.MakeOrRefuse(directory, "Grader:DataDirectory", "as the data folder", GraderOptions.Section, typeof(GraderOptions));
        return new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(directory, "grader.db"),
            Cache = SqliteCacheMode.Private,
            DefaultTimeout = 30,
            Pooling = true,
        }.ToString();
    }

    public static async Task MigrateGraderDatabaseAsync(this WebApplication app)
    {
        var factory = app.Services.GetRequiredService<IDbContextFactory<GraderDb>>();
        await using var db = await factory.CreateDbContextAsync();
        if (!app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStart)
        {
            // Without this, a database nobody migrated failed later on "no such table: QualityDailyCounts", naming no
            // setting (operator pass, 2026-12-05).
            var pending = (await db.Database.GetPendingMigrationsAsync()).ToList();
            if (pending.Count > 0)
            {
                throw new OptionsValidationException(DatabaseOptions.Section, typeof(DatabaseOptions),
                    [$"Database:MigrateOnStart is false and the database lacks {pending.Count} migration(s), the first {pending[0]}: run the release's migration script (docs/operations.md), or set Database:MigrateOnStart to true."]);
            }
            return;
        }
        await MigrateAsync(db, CancellationToken.None);
    }

    /// <summary>The key of the PostgreSQL advisory lock nodes take turns on while they migrate ("GraderMg").</summary>
    private const long MigrationLockKey = 0x4772616465724D67;

    /// <summary>
    /// Applies pending migrations; on PostgreSQL, one node at a time. EF's own PostgreSQL migration lock is a table lock
    /// held by each migration's transaction, so between two migrations another node read the history and applied the
    /// next one too: two nodes started together on an empty database, and one died on "column already exists"
    /// (two-node pass, 2026-12-05; the test reproduced it every time). A session advisory lock around the whole run makes
    /// them take turns, and the later ones find nothing pending. SQL Server's EF lock (sp_getapplock) is held by the
    /// session for the whole run already; SQLite is one node's file.
    /// </summary>
    public static async Task MigrateAsync(GraderDb db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db is not PostgresGraderDb)
        {
            await db.Database.MigrateAsync(cancellationToken);
            return;
        }
        try
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.InvalidCatalogName)
        {
            await db.Database.MigrateAsync(cancellationToken); // no database yet: EF creates it (nothing to take turns on)
            return;
        }
        var timeout = db.Database.GetCommandTimeout();
        try
        {
            // The wait for another node's migrations is not a slow command: up to ten minutes before this node gives up.
            db.Database.SetCommandTimeout(TimeSpan.FromMinutes(10));
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_lock({MigrationLockKey})", cancellationToken);
            db.Database.SetCommandTimeout(timeout);
            try
            {
                await db.Database.MigrateAsync(cancellationToken);
            }
            finally
            {
                try
                {
                    await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
                }
                catch (Exception e) when (e is DbException or InvalidOperationException)
                {
                    // The connection is gone, and the lock with its session: the migration's own error is the one to see.
                }
            }
        }
        finally
        {
            db.Database.SetCommandTimeout(timeout);
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The app asks for GraderDb; the registered provider's subclass (and its migrations) answers.</summary>
    private sealed class GraderDbFactory<TProviderDb>(IDbContextFactory<TProviderDb> inner) : IDbContextFactory<GraderDb>
        where TProviderDb : GraderDb
    {
        public GraderDb CreateDbContext() => inner.CreateDbContext();

        public async Task<GraderDb> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
            await inner.CreateDbContextAsync(cancellationToken);
    }

    /// <summary>
    /// Write-ahead logging lets readers (the station, the queue) work while a grade is written; synchronous=FULL makes
    /// each committed grade durable on disk before the API acknowledges it, power loss included.
    /// </summary>
    private sealed class SqliteDurabilityInterceptor : DbConnectionInterceptor
    {
        private const string Pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";

        // Turning a file to WAL is a write: on the read-only connection EF opens to ask whether the database exists, a
        // file not in WAL yet (the empty one a kill during the very first start leaves, or a copy made in DELETE mode)
        // failed with "attempt to write a readonly database", and every later start with it (operator pass,
        // 2026-12-05). WAL is a property of the file; a read-write connection sets it, the migrations' first.
        private const string ReadOnlyPragmas = "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";

        private static string PragmasFor(DbConnection connection) =>
            new SqliteConnectionStringBuilder(connection.ConnectionString).Mode == SqliteOpenMode.ReadOnly ? ReadOnlyPragmas : Pragmas;

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            UnicodeCase(connection);
            using var command = connection.CreateCommand();
            command.CommandText = PragmasFor(connection);
            command.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            UnicodeCase(connection);
            await using var command = connection.CreateCommand();
            command.CommandText = PragmasFor(connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        /// <summary>
        /// SQLite's own lower() and upper() change ASCII letters only, so the queue's "any case" filters did not find
        /// "Ömer" by "ömer", nor a category "KÜCHE" by "küche", where PostgreSQL and SQL Server do (review of the review
        /// desk, 2026-12-06). The same names, defined by the app, override the built-ins on each connection: invariant
        /// culture, as the .NET side of those comparisons. Deterministic, so SQLite may use them in indexes.
        /// </summary>
        private static void UnicodeCase(DbConnection connection)
        {
            if (connection is SqliteConnection sqlite)
            {
                sqlite.CreateFunction("lower", (string? text) => text?.ToLowerInvariant(), isDeterministic: true);
                sqlite.CreateFunction("upper", (string? text) => text?.ToUpperInvariant(), isDeterministic: true);
            }
        }
    }

    /// <summary>
    /// The last guard for text with the NUL character (U+0000), wherever it comes from (a page's search field, a scan):
    /// PostgreSQL refuses it with an error the page showed as a failure of the app (API pass, 2026-12-05). Any command
    /// with such a parameter is refused before it runs, on every provider alike, as a 400 in plain words. The API
    /// refuses it earlier, naming the field (Infrastructure/NoNulCharacters).
    /// </summary>
    private sealed class NulTextInterceptor : DbCommandInterceptor
    {
        public static readonly NulTextInterceptor Instance = new();

        public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result) =>
            Checked(command, result);

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Checked(command, result));

        public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result) =>
            Checked(command, result);

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Checked(command, result));

        public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result) =>
            Checked(command, result);

        public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Checked(command, result));

        private static T Checked<T>(DbCommand command, T result)
        {
            foreach (DbParameter parameter in command.Parameters)
            {
                if (parameter.Value is string text && text.Contains('\0', StringComparison.Ordinal))
                {
                    throw new TextWithNulException();
                }
            }
            return result;
        }
    }
}

/// <summary>Text holding the NUL character reached the database (see DataRegistration.NulTextInterceptor).</summary>
public sealed class TextWithNulException() : DomainProblemException(NoNulCharacters.Reason)
{
    public override int Status => StatusCodes.Status400BadRequest;
    public override string Title => "Text that cannot be stored";
}
