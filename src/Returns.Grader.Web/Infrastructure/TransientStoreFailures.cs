using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>
/// A database busy for a moment answers 503 with Retry-After, as a full intake queue does (ADR 0021), instead of 500:
/// SQLite still locked by another writer when its busy timeout ends, a PostgreSQL error its client calls transient, or
/// the retry strategy's attempts spent on PostgreSQL or SQL Server. The transaction was rolled back, so nothing of the
/// request was kept and the same request can simply be sent again; the station sends a photo again after a 503 by itself.
/// Anything else stays a 500: a fault that will not pass by waiting must not be dressed as one that will.
/// </summary>
public sealed partial class TransientStoreFailureHandler(IProblemDetailsService problems, ILogger<TransientStoreFailureHandler> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    public static bool IsTransient(Exception exception) => exception switch
    {
        SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked } => true,
        NpgsqlException { IsTransient: true } => true,
        RetryLimitExceededException => true,
        _ => exception.InnerException is { } inner && IsTransient(inner),
    };

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsTransient(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }
        LogBusy(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "The database is busy",
            Detail = $"Nothing of this request was kept. Send it again in {RetryAfterSeconds} seconds.",
            Extensions = { ["reason"] = "database_busy", ["retryAfterSeconds"] = RetryAfterSeconds },
        };
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        if (!await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception }))
        {
            await httpContext.Response.WriteAsJsonAsync(problem, problem.GetType(), options: null, contentType: "application/problem+json", cancellationToken);
        }
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database was busy for {Method} {Path}; answered 503 with Retry-After")]
    private static partial void LogBusy(ILogger logger, Exception exception, string method, string path);
}
