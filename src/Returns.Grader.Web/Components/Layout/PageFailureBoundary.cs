using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.Logging;

namespace Returns.Grader.Web.Components.Layout;

/// <summary>
/// The layout's error boundary (ADR 0032), logging what it catches as an Error with its own words: the framework's
/// boundary logs it as a Warning, and a page that failed where it caught nothing is a bug someone must be alerted to.
/// </summary>
public sealed partial class PageFailureBoundary : ErrorBoundary
{
    [Microsoft.AspNetCore.Components.Inject]
    private ILogger<PageFailureBoundary> Logger { get; set; } = default!;

    protected override Task OnErrorAsync(Exception exception)
    {
        LogPageFailed(Logger, exception);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A page failed where it caught nothing and was replaced by \"Something went wrong on this page\"")]
    private static partial void LogPageFailed(ILogger logger, Exception exception);
}
