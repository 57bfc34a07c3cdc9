using Microsoft.Data.Sqlite;

namespace Returns.Grader.TestSupport;

/// <summary>
/// Another writer holding a real SQLite database's write lock (BEGIN IMMEDIATE) until disposed, when its transaction is
/// rolled back: the app's writes meanwhile wait for their busy timeout and then fail as SQLITE_BUSY (ADR 0033). Reads
/// go on (the app runs the file in WAL mode).
/// </summary>
public sealed class HeldWriteLock : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;

    private HeldWriteLock(SqliteConnection connection, SqliteTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    public static async Task<HeldWriteLock> TakeAsync(string databasePath)
    {
        var connection = new SqliteConnection($"Data Source={databasePath}");
        await connection.OpenAsync();
        return new HeldWriteLock(connection, (SqliteTransaction)await connection.BeginTransactionAsync());
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
