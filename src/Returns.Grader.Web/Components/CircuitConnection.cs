using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Returns.Grader.Web.Components;

/// <summary>
/// Whether this circuit's browser is connected now (one per circuit). A page that must send the browser somewhere waits
/// while it is not: a navigation sent to a tab that has gone (the tab that signed out, a closed one) fails when the
/// circuit is let go minutes later, and was logged as a failure of the circuit at every sign-out (two-node pass,
/// 2026-12-07).
/// </summary>
public sealed class CircuitConnection : CircuitHandler
{
    private readonly Lock _gate = new();
    private readonly List<Action> _whenUp = [];

    public bool IsDown { get; private set; }

    /// <summary>Runs <paramref name="action"/> now when the browser is connected, else once it connects again (never, if it does not).</summary>
    public void WhenConnected(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        lock (_gate)
        {
            if (IsDown)
            {
                _whenUp.Add(action);
                return;
            }
        }
        action();
    }

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IsDown = true;
        }
        return Task.CompletedTask;
    }

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        List<Action> waiting;
        lock (_gate)
        {
            IsDown = false;
            waiting = [.. _whenUp];
            _whenUp.Clear();
        }
        waiting.ForEach(action => action());
        return Task.CompletedTask;
    }
}
