using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Returns.Grader.Bench.Quality.Measurement;

/// <summary>One SQL command as EF sent it, with copies of its parameters (to explain and time it again by hand).</summary>
public sealed record CapturedCommand(string Sql, IReadOnlyList<SqliteParameter> Parameters)
{
    public string ParameterText => string.Join(", ", Parameters.Select(p => $"{p.ParameterName}={(p.Value is string s ? $"'{s}'" : p.Value)}"));
}

/// <summary>Records the commands EF executes while <see cref="Recording"/> is on (only the diagnostic factory has it).</summary>
public sealed class SqlCapture : DbCommandInterceptor
{
    private readonly ConcurrentQueue<CapturedCommand> _commands = new();

    public bool Recording { get; set; }

    public IReadOnlyList<CapturedCommand> Take()
    {
        var taken = new List<CapturedCommand>();
        while (_commands.TryDequeue(out var command))
        {
            taken.Add(command);
        }
        return taken;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return base.ScalarExecutingAsync(command, eventData, result, cancellationToken);
    }

    private void Record(DbCommand command)
    {
        if (!Recording || command.CommandText.StartsWith("PRAGMA", StringComparison.Ordinal))
        {
            return;
        }
        var parameters = command.Parameters.Cast<SqliteParameter>()
            .Select(p => new SqliteParameter(p.ParameterName, p.Value) { SqliteType = p.SqliteType })
            .ToList();
        _commands.Enqueue(new CapturedCommand(command.CommandText, parameters));
    }
}
