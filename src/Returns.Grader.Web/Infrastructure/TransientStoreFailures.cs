using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>
/// Endpoint metadata: this endpoint commits in more than one step (a bulk approval task by task, a model registration
/// then its state), so a busy database part way may have kept some of it. Its failures are never answered "nothing was
/// kept, send it again" (ADR 0033).
/// </summary>
public sealed class CommitsInSteps;

/// <summary>The answer to a busy database where nothing was kept: 503 with Retry-After, like a full photo intake.</summary>
public sealed class DatabaseBusyException(Exception cause)
    : DomainProblemException($"Nothing of this request was kept. Send it again in {TransientStoreFailureHandler.RetryAfterSeconds} seconds.", cause)
{
    public override int Status => StatusCodes.Status503ServiceUnavailable;
    public override string Title => "The database is busy";

    public override IReadOnlyDictionary<string, object?> Extensions =>
        new Dictionary<string, object?> { ["reason"] = "database_busy", ["retryAfterSeconds"] = TransientStoreFailureHandler.RetryAfterSeconds };

    public override IReadOnlyDictionary<string, string> Headers =>
        new Dictionary<string, string> { ["Retry-After"] = TransientStoreFailureHandler.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture) };
}

/// <summary>
/// A database busy for a moment answers 503 with Retry-After, as a full intake queue does (ADR 0021), instead of 500 —
/// but only where the failure is known to have come before any commit, so that "nothing of this request was kept, send
/// it again" is true: SQLite still locked by another writer when its busy timeout ends (the transaction is rolled back),
/// and on PostgreSQL or SQL Server the errors that abort a transaction before it commits (a deadlock, a serialization
/// failure, a lock not granted, a connection refused), also when EF Core's retry strategy has spent its attempts on
/// them; and a save the app rolled back itself because it came too late after its time stamp (<see cref="RowStamps"/>).
/// A dropped connection or a timeout is not mapped: it can come after the server committed. The station sends a
/// photo again after a 503 by itself.
/// </summary>
public sealed partial class TransientStoreFailureHandler(IProblemDetailsService problems, ILogger<TransientStoreFailureHandler> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqlServerDeadlockVictim = 1205;

    /// <summary>PostgreSQL's SQLSTATEs that end a statement before its transaction can commit.</summary>
    private static readonly HashSet<string> PostgresBeforeCommit =
    [
        PostgresErrorCodes.SerializationFailure, PostgresErrorCodes.DeadlockDetected, PostgresErrorCodes.LockNotAvailable,
        PostgresErrorCodes.CannotConnectNow, PostgresErrorCodes.TooManyConnections,
        PostgresErrorCodes.SqlClientUnableToEstablishSqlConnection, PostgresErrorCodes.SqlServerRejectedEstablishmentOfSqlConnection,
    ];

    /// <summary>The database was busy and the request's transaction never committed (the exception or an inner one).</summary>
    public static bool IsBusyWithNothingKept(Exception exception) => exception switch
    {
        SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked } => true,
        CommitTooLateException => true, // rolled back by the app itself (RowStamps)
        PostgresException postgres => PostgresBeforeCommit.Contains(postgres.SqlState),
        Microsoft.Data.SqlClient.SqlException sqlServer => sqlServer.Number == SqlServerDeadlockVictim,
        // EF Core's retry strategy gave up: judged by the last attempt's failure, as each attempt was its own transaction.
        RetryLimitExceededException { InnerException: { } last } => IsBusyWithNothingKept(last),
        _ => exception.InnerException is { } inner && IsBusyWithNothingKept(inner),
    };

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsBusyWithNothingKept(exception) || httpContext.Response.HasStarted
            || httpContext.GetEndpoint()?.Metadata.GetMetadata<CommitsInSteps>() is not null)
        {
            return false;
        }
        LogBusy(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
        await DomainProblemHandler.WriteAsync(problems, httpContext, new DatabaseBusyException(exception), cancellationToken);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database was busy for {Method} {Path}; answered 503 with Retry-After")]
    private static partial void LogBusy(ILogger logger, Exception exception, string method, string path);
}
