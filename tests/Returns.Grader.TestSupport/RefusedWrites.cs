using Microsoft.Data.Sqlite;

namespace Returns.Grader.TestSupport;

/// <summary>
/// Makes a real SQLite database refuse every new write of one kind to one table (as a full disk or a lost lock would)
/// until disposed, so a test can see what a page or endpoint does when the database says no. The refusal is a trigger
/// in the database itself: the app's code runs unchanged.
/// </summary>
public sealed class RefusedWrites : IAsyncDisposable
{
    private readonly string _databasePath;
    private readonly string _trigger;

    private RefusedWrites(string databasePath, string trigger)
    {
        _databasePath = databasePath;
        _trigger = trigger;
    }

    /// <param name="operation">INSERT or UPDATE.</param>
    public static async Task<RefusedWrites> OnAsync(string databasePath, string table, string operation = "INSERT")
    {
        if (operation is not ("INSERT" or "UPDATE") || !table.All(char.IsLetterOrDigit))
        {
            throw new ArgumentException($"Refuse INSERT or UPDATE on a plain table name, not {operation} on {table}.");
        }
        var refusal = new RefusedWrites(databasePath, $"refuse_{operation.ToLowerInvariant()}_{table}");
        await refusal.ExecuteAsync($"CREATE TRIGGER {refusal._trigger} BEFORE {operation} ON {table} BEGIN SELECT RAISE(ABORT, 'disk full (test)'); END;");
        return refusal;
    }

    public async ValueTask DisposeAsync() => await ExecuteAsync($"DROP TRIGGER IF EXISTS {_trigger};");

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_databasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
