using System.Net;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Diagnostics;

namespace Returns.Grader.Web.Auth;

/// <summary>
/// Microsoft Entra ID cannot be reached (its metadata document: an outage, a firewall, DNS). The sign-in redirect needs
/// it, and a page that asked for a sign-in answered an empty 500: a blank page at the start of a shift. This handler
/// recognises that failure and answers a person's page with a 503 page in words, Retry-After 30 s, and says it in the log
/// once a minute.
/// <para>
/// It only reads what escaped: the handlers keep their own configuration managers (a wrapper took both off the path on
/// which the token check keeps the last good copy and re-reads Entra's keys after they rotate; diff review). So an API
/// call with a token during an outage is a 401, as the token check cannot tell an outage from a bad token (operations.md).
/// </para>
/// </summary>
public sealed partial class SignInUnavailablePage(ILogger<SignInUnavailablePage> logger, TimeProvider clock) : IExceptionHandler
{
    public const int RetryAfterSeconds = 30;

    public const string Words =
        "Signing in is not possible right now: Microsoft Entra ID cannot be reached from this server. " +
        "Try again in a minute; if it lasts, tell your administrator. Grades already saved are safe.";

    private readonly Infrastructure.AtMostOncePer _unreachableSaid = new(TimeSpan.FromMinutes(1), clock);

    /// <summary>
    /// Entra's metadata could not be read: IdentityModel's configuration manager says so as IDX20803 ("Unable to obtain
    /// configuration from ..."), with the network failure inside it. A documented message id, not a type of its own.
    /// </summary>
    public static bool IsEntraUnreachable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is InvalidOperationException && e.Message.StartsWith("IDX20803:", StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsEntraUnreachable(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }
        if (_unreachableSaid.Now())
        {
            LogUnreachable(logger, exception.GetBaseException().Message);
        }
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        httpContext.Response.Headers.CacheControl = "no-store";
        if (AuthRegistration.IsApiRequest(httpContext.Request))
        {
            await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Sign-in unavailable", detail: Words)
                .ExecuteAsync(httpContext);
            return true;
        }
        httpContext.Response.ContentType = "text/html; charset=utf-8";
        await httpContext.Response.WriteAsync(
            $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Sign-in unavailable - Returns.Grader</title>
            <meta name="viewport" content="width=device-width, initial-scale=1"></head>
            <body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
            <h1 style="font-size: 1.5rem">Sign-in unavailable</h1>
            <p data-testid="sign-in-unavailable">{HtmlEncoder.Default.Encode(Words)}</p>
            <p><a href="{WebUtility.HtmlEncode(RetryAddress(httpContext.Request))}">Try again</a></p>
            </body></html>
            """, cancellationToken);
        return true;
    }

    /// <summary>
    /// The page that was asked for, with its query, if it is a path on this site (not "//elsewhere.example/", which a
    /// browser reads as another site; diff review); after a form post (the sign-in callback), the start page.
    /// </summary>
    private static string RetryAddress(HttpRequest request)
    {
        var asked = $"{request.PathBase}{request.Path}{request.QueryString}";
        return HttpMethods.IsGet(request.Method) && AuthRegistration.IsLocalUrl(asked) ? asked : $"{request.PathBase}/";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Microsoft Entra ID cannot be reached, so nobody can sign in (said at most once a minute): {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string reason);
}
