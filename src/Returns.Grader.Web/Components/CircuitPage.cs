using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Logging;

namespace Returns.Grader.Web.Components;

/// <summary>
/// A page whose reads stop when its circuit goes (the tab closed, the connection lost for good): <see cref="CircuitGone"/>
/// is cancelled when the page is disposed, so a query for a page nobody sees any more is cancelled in the database instead
/// of running to the end (issue 16). Writes the user asked for (a claim, a decision, a registration, an export request)
/// deliberately do not take it: they complete even if the page goes meanwhile.
/// </summary>
public abstract partial class CircuitPage : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _circuitGone = new();
    private bool _disposed;

    [Inject]
    private ILoggerFactory LoggerFactory { get; set; } = default!;

    [Inject]
    private Auth.SignInSessions Sessions { get; set; } = default!;

    protected CancellationToken CircuitGone => _circuitGone.Token;

    /// <summary>
    /// The person a write is made for, checked as it is made: not someone who signed out in another tab meanwhile
    /// (ADR 0041; the page's own revalidation comes up to 10 s later). A <see cref="Auth.SignedOutException"/> says so.
    /// </summary>
    protected async Task<Auth.Actor> ActingAsync(Task<Microsoft.AspNetCore.Components.Authorization.AuthenticationState> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return await Sessions.ActingAsync((await state).User, CancellationToken.None);
    }

    /// <summary>
    /// For the catch-all of an action the user asked for (a decision, a claim, an export, a model change): logs what the
    /// page did not expect (the database refusing a write, storage gone) and says it in plain words for the page to show.
    /// The action's handler must not rethrow it: an exception escaping a Blazor Server event handler ends the circuit, and
    /// with it everything the user had entered on the page (the station does the same for associates, issue 17).
    /// </summary>
    /// <param name="notDone">What did not happen, and what was kept, in the user's words: "the final grade was not saved;
    /// your choices are still here".</param>
    protected string ActionFailed(Exception exception, string notDone)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (Infrastructure.DomainProblemException.In(exception) is { } refusal)
        {
            // A refusal in words (signed out, someone else's claim, your own grade): said as it is, not logged as a
            // failure (regression pass: "your own grade" reached the page as "Something went wrong", logged as an error).
            return refusal.Message;
        }
        if (!(_disposed && exception is OperationCanceledException)) // the page went meanwhile: nothing unexpected
        {
            LogActionFailed(LoggerFactory.CreateLogger(GetType()), exception, GetType().Name, notDone);
        }
        return Infrastructure.TransientStoreFailureHandler.IsBusyWithNothingKept(exception)
            ? $"The database was busy and {notDone}. Try again in a few seconds."
            : $"Something went wrong and {notDone}. Try again; if it keeps happening, tell your administrator.";
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "An action on {Page} failed ({NotDone}); the page and what was entered on it were kept")]
    private static partial void LogActionFailed(ILogger logger, Exception exception, string page, string notDone);

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
