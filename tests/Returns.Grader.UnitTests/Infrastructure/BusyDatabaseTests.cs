using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.UnitTests.Infrastructure;

/// <summary>
/// Which database failures are "busy, nothing kept, send it again" (503) and which are not (ADR 0033): only those known
/// to come before any commit. A dropped connection or a timeout can come after the server committed, and a full disk will
/// not pass by waiting.
/// </summary>
public sealed class BusyDatabaseTests
{
    public static TheoryData<string, Exception, bool> Failures => new()
    {
        { "SQLite BUSY", new SqliteException("database is locked", 5), true },
        { "SQLite LOCKED", new SqliteException("database table is locked", 6), true },
        { "SQLite BUSY inside EF's DbUpdateException", new DbUpdateException("save failed", new SqliteException("database is locked", 5)), true },
        { "SQLite CONSTRAINT (a trigger, a full disk)", new SqliteException("disk full", 19), false },
        { "PostgreSQL deadlock", Postgres(PostgresErrorCodes.DeadlockDetected), true },
        { "PostgreSQL serialization failure after EF's retries", new RetryLimitExceededException("gave up", Postgres(PostgresErrorCodes.SerializationFailure)), true },
        { "PostgreSQL disk full", Postgres(PostgresErrorCodes.DiskFull), false },
        { "PostgreSQL transaction resolution unknown", Postgres(PostgresErrorCodes.TransactionResolutionUnknown), false },
        { "a connection broken mid-answer (Npgsql calls it transient)", new NpgsqlException("Exception while reading from stream", new IOException("reset")), false },
        { "a timeout after EF's retries", new RetryLimitExceededException("gave up", new TimeoutException()), false },
        { "anything else", new InvalidOperationException("bug"), false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void BusyWithNothingKept_OnlyForFailuresBeforeAnyCommit(string what, Exception failure, bool expected) =>
        Assert.True(TransientStoreFailureHandler.IsBusyWithNothingKept(failure) == expected, what);

    private static PostgresException Postgres(string sqlState) => new("test", "ERROR", "ERROR", sqlState);
}
