using System.Net;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Returns.Grader.Web.Auth;

/// <summary>
/// Microsoft Entra ID cannot be reached (its metadata document: an outage, a firewall, DNS): the sign-in redirect and the
/// API's token check both need it, and each request answered an empty 500 (a browser at the start of a shift saw a blank
/// page). Wrapped around both handlers' configuration managers, the failure becomes a 503 with Retry-After: words on a
/// page for a person, problem+json for the API. Once the metadata has been read, the managers keep serving the last copy
/// through an outage, so people already signed in are not affected by this; only a first sign-in (or a start) is.
/// </summary>
public sealed class SignInProviderGuard(IConfigurationManager<OpenIdConnectConfiguration> inner) : IConfigurationManager<OpenIdConnectConfiguration>
{
    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel)
    {
        try
        {
            return await inner.GetConfigurationAsync(cancel);
        }
        catch (InvalidOperationException e) when (!cancel.IsCancellationRequested)
        {
            // IDX20803, "Unable to obtain configuration from ...": what the manager throws when it has no copy to serve.
            throw new SignInUnavailableException(e);
        }
    }

    public void RequestRefresh() => inner.RequestRefresh();

    /// <summary>The guard around <paramref name="manager"/>, once (post-configure may run for more than one scheme).</summary>
    public static IConfigurationManager<OpenIdConnectConfiguration>? Around(IConfigurationManager<OpenIdConnectConfiguration>? manager) =>
        manager is null or SignInProviderGuard ? manager : new SignInProviderGuard(manager);
}

public sealed class SignInUnavailableException(Exception cause)
    : Infrastructure.DomainProblemException(
        $"Signing in is not possible right now: Microsoft Entra ID cannot be reached from this server. Try again in {RetryAfterSeconds} seconds; " +
        "if it lasts, tell your administrator. Grades already saved are safe.", cause)
{
    public const int RetryAfterSeconds = 30;

    public override int Status => StatusCodes.Status503ServiceUnavailable;

    public override string Title => "Sign-in unavailable";

    public override IReadOnlyDictionary<string, string> Headers =>
        new Dictionary<string, string> { ["Retry-After"] = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) };
}

/// <summary>
/// A person's page (not the API) that could not sign them in gets the words as a page, not problem+json; the API's answer
/// is left to the domain problem handler. Logged as a warning at most once a minute: an outage meets every request.
/// </summary>
public sealed partial class SignInUnavailablePage(ILogger<SignInUnavailablePage> logger, TimeProvider clock) : IExceptionHandler
{
    private long _lastLoggedTicks = long.MinValue;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (Infrastructure.DomainProblemException.In(exception) is not SignInUnavailableException unavailable)
        {
            return false;
        }
        var now = clock.GetUtcNow().UtcTicks;
        var last = Interlocked.Read(ref _lastLoggedTicks);
        if (now - last >= TimeSpan.TicksPerMinute && Interlocked.CompareExchange(ref _lastLoggedTicks, now, last) == last)
        {
            LogUnreachable(logger, unavailable.InnerException?.Message ?? unavailable.Message);
        }
        if (AuthRegistration.IsApiRequest(httpContext.Request) || httpContext.Response.HasStarted)
        {
            return false; // problem+json from DomainProblemHandler
        }
        httpContext.Response.StatusCode = unavailable.Status;
        foreach (var (name, value) in unavailable.Headers)
        {
            httpContext.Response.Headers[name] = value;
        }
        httpContext.Response.Headers.CacheControl = "no-store";
        httpContext.Response.ContentType = "text/html; charset=utf-8";
        var words = HtmlEncoder.Default.Encode(unavailable.Message);
        await httpContext.Response.WriteAsync(
            $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Sign-in unavailable - Returns.Grader</title>
            <meta name="viewport" content="width=device-width, initial-scale=1"></head>
            <body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
            <h1 style="font-size: 1.5rem">Sign-in unavailable</h1>
            <p data-testid="sign-in-unavailable">{words}</p>
            <p><a href="{WebUtility.HtmlEncode(RetryAddress(httpContext.Request))}">Try again</a></p>
            </body></html>
            """, cancellationToken);
        return true;
    }

    // The page that was asked for; after a form post (the sign-in callback) the start page.
    private static string RetryAddress(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) ? $"{request.PathBase}{request.Path}" : $"{request.PathBase}/";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Microsoft Entra ID cannot be reached, so nobody can sign in (said at most once a minute): {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string reason);
}
