using Npgsql;
using Returns.Grader.Web.Data;

namespace Returns.Grader.TestSupport;

/// <summary>
/// The database a test app runs on. SQLite: the app's own file in its data directory (nothing to make here).
/// PostgreSQL: a fresh database (CREATE DATABASE) on the server named by <see cref="PostgresVariable"/> — the throwaway
/// cluster ./test.sh starts — dropped again on dispose, so no two test classes share rows.
/// </summary>
public sealed class TestDatabase : IDisposable
{
    /// <summary>An admin connection string (no database) of the PostgreSQL server the tests may create databases on.</summary>
    public const string PostgresVariable = "GRADER_TEST_POSTGRES";

    private TestDatabase(DatabaseProvider provider, string? connectionString)
    {
        Provider = provider;
        ConnectionString = connectionString;
    }

    public DatabaseProvider Provider { get; }

    /// <summary>The app's ConnectionStrings:Grader; null for SQLite (the app puts its file in the data directory).</summary>
    public string? ConnectionString { get; }

    /// <summary>The settings that point the app at this database.</summary>
    public IReadOnlyDictionary<string, string?> Settings => Provider == DatabaseProvider.Sqlite
        ? new Dictionary<string, string?>()
        : new Dictionary<string, string?> { ["Database:Provider"] = Provider.ToString(), ["ConnectionStrings:Grader"] = ConnectionString };

    /// <summary>True under CI (CI=true), where a PostgreSQL case that cannot run must fail rather than be skipped.</summary>
    public static bool UnderCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    private static string? PostgresAdmin => Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } value ? value : null;

    /// <summary>
    /// Why the PostgreSQL cases are skipped on this machine, or null when they run: they run wherever a server is
    /// configured, and always under CI (where a missing server then fails them, loudly, in <see cref="Create"/>).
    /// </summary>
    public static string? PostgresSkipReason => PostgresAdmin is null && !UnderCi
        ? $"No PostgreSQL here: {PostgresVariable} is not set. ./test.sh starts a throwaway server and sets it (under CI=true these cases fail instead)."
        : null;

    public static TestDatabase Create(DatabaseProvider provider)
    {
        switch (provider)
        {
            case DatabaseProvider.Sqlite:
                return new TestDatabase(provider, null);
            case DatabaseProvider.Postgres:
                var admin = PostgresAdmin ?? throw new InvalidOperationException(
                    $"The PostgreSQL tests must run here (CI=true) but {PostgresVariable} is not set: run them through ./test.sh, which starts a throwaway PostgreSQL.");
                var name = "grader_" + Guid.NewGuid().ToString("N");
                using (var connection = new NpgsqlConnection(admin))
                {
                    connection.Open();
                    using var command = connection.CreateCommand();
                    command.CommandText = $"CREATE DATABASE \"{name}\"";
                    command.ExecuteNonQuery();
                }
                return new TestDatabase(provider, new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString);
            default:
                throw new NotSupportedException($"No {provider} server can run in the tests (see docs/operations.md).");
        }
    }

    public void Dispose()
    {
        if (Provider != DatabaseProvider.Postgres || ConnectionString is null)
        {
            return;
        }
        var name = new NpgsqlConnectionStringBuilder(ConnectionString).Database;
        try
        {
            using (var pooled = new NpgsqlConnection(ConnectionString))
            {
                NpgsqlConnection.ClearPool(pooled);
            }
            using var connection = new NpgsqlConnection(PostgresAdmin);
            connection.Open();
            using var command = connection.CreateCommand();
            // FORCE ends the connections an app process killed by a test may have left behind.
            command.CommandText = $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)";
            command.ExecuteNonQuery();
        }
        catch (NpgsqlException)
        {
            // The cluster is thrown away at the end of ./test.sh; never fail a test over cleanup.
        }
    }
}
