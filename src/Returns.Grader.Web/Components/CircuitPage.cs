using Microsoft.AspNetCore.Components;

namespace Returns.Grader.Web.Components;

/// <summary>
/// A page whose reads stop when its circuit goes (the tab closed, the connection lost for good): <see cref="CircuitGone"/>
/// is cancelled when the page is disposed, so a query for a page nobody sees any more is cancelled in the database instead
/// of running to the end (issue 16). Writes the user asked for (a claim, a decision, a registration, an export request)
/// deliberately do not take it: they complete even if the page goes meanwhile.
/// </summary>
public abstract class CircuitPage : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _circuitGone = new();
    private bool _disposed;

    protected CancellationToken CircuitGone => _circuitGone.Token;

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        // Once: a page that is also IAsyncDisposable calls this from its DisposeAsync as well.
        if (disposing && !_disposed)
        {
            _disposed = true;
            _circuitGone.Cancel();
            _circuitGone.Dispose();
        }
    }
}
