using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Returns.Grader.Bench.Quality.Measurement;

/// <summary>One statement of a scenario: its SQL, SQLite's plan for it, and its own time run by hand (all rows read).</summary>
public sealed record StatementProfile(CapturedCommand Command, string Plan, Timing Time);

/// <summary>EXPLAIN QUERY PLAN and a by-hand timing of captured statements, on a connection set up as the app's.</summary>
public static class QueryPlans
{
    public static async Task<IReadOnlyList<StatementProfile>> ProfileAsync(string connectionString, IEnumerable<CapturedCommand> commands, int runs)
    {
        ArgumentNullException.ThrowIfNull(commands);
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using (var pragmas = connection.CreateCommand())
        {
            pragmas.CommandText = BenchServices.Pragmas;
            await pragmas.ExecuteNonQueryAsync();
        }
        var profiles = new List<StatementProfile>();
        foreach (var command in commands)
        {
            var plan = await ExplainAsync(connection, command);
            var time = await Timing.MeasureAsync(() => ReadAllAsync(connection, command), warmup: 1, runs);
            profiles.Add(new StatementProfile(command, plan, time));
        }
        return profiles;
    }

    private static async Task<string> ExplainAsync(SqliteConnection connection, CapturedCommand captured)
    {
        await using var command = Prepare(connection, "EXPLAIN QUERY PLAN " + captured.Sql, captured);
        await using var reader = await command.ExecuteReaderAsync();
        var depth = new Dictionary<long, int> { [0] = 0 };
        var text = new StringBuilder();
        while (await reader.ReadAsync())
        {
            var id = reader.GetInt64(0);
            var parent = reader.GetInt64(1);
            var level = depth.GetValueOrDefault(parent) + 1;
            depth[id] = level;
            text.Append(' ', 2 * (level - 1)).Append("- ").AppendLine(reader.GetString(3));
        }
        return text.ToString().TrimEnd();
    }

    private static async Task ReadAllAsync(SqliteConnection connection, CapturedCommand captured)
    {
        await using var command = Prepare(connection, captured.Sql, captured);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new object[reader.FieldCount];
        while (await reader.ReadAsync())
        {
            reader.GetValues(values);
        }
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string sql, CapturedCommand captured)
    {
        var command = connection.CreateCommand();
#pragma warning disable CA2100 // The SQL is what EF generated for the app's own queries; values stay parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        foreach (var p in captured.Parameters)
        {
            command.Parameters.Add(new SqliteParameter(p.ParameterName, p.Value) { SqliteType = p.SqliteType });
        }
        return command;
    }

    /// <summary>Elapsed time of a block, for the seed's and the checks' lines.</summary>
    public static double Seconds(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;
}
