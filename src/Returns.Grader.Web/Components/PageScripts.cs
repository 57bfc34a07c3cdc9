using Microsoft.JSInterop;

namespace Returns.Grader.Web.Components;

/// <summary>A page's own script module (station.js, review.js): attached when the page is live, detached as it goes.</summary>
public static class PageScripts
{
    /// <summary>
    /// Detaches the module's listeners and lets it go. The browser may be gone, or going (the call cancelled as the
    /// circuit closed): then there is nothing to detach, and a cancelled call was logged as a failure of the circuit at
    /// every closed tab (regression pass, 2026-12-06).
    /// </summary>
    public static async ValueTask DetachAsync(IJSObjectReference? module)
    {
        if (module is null)
        {
            return;
        }
        try
        {
            await module.InvokeVoidAsync("detach");
            await module.DisposeAsync();
        }
        catch (Exception e) when (e is JSDisconnectedException or TaskCanceledException)
        {
            // the tab is gone, and its listeners with it
        }
    }
}
