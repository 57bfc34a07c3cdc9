using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Returns.Grader.IntegrationTests;

/// <summary>Holds the first read whose SQL holds the armed text until released (a database slow to answer it).</summary>
internal sealed class HoldOneRead : DbCommandInterceptor
{
    private string? _armed;
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Reached => _reached.Task;

    public void Arm(string sqlText) => Volatile.Write(ref _armed, sqlText);

    public void Release() => _released.TrySetResult();

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        var armed = Volatile.Read(ref _armed);
        if (armed is not null && command.CommandText.Contains(armed, StringComparison.Ordinal)
            && Interlocked.CompareExchange(ref _armed, null, armed) == armed)
        {
            _reached.TrySetResult();
            await _released.Task.WaitAsync(cancellationToken);
        }
        return result;
    }
}
