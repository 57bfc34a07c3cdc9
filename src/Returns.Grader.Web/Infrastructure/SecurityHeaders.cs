using System.Security.Cryptography;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>
/// Headers every response carries, errors and problem responses included: no MIME sniffing of served photos, no
/// framing, no referrer leaks, and a Content-Security-Policy that lets the Blazor Server app and MudBlazor run and
/// nothing else (ADR 0018).
/// </summary>
public static class SecurityHeaders
{
    private const string NonceKey = "grader.csp-nonce";

    /// <summary>The nonce of this response's CSP: the one inline script the app renders (Blazor's import map) carries it.</summary>
    public static string CspNonce(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Items[NonceKey] is not string nonce)
        {
            nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)); // hex: never HTML-encoded in the attribute
            context.Items[NonceKey] = nonce;
        }
        return nonce;
    }

    /// <summary>
    /// The policy. Scripts: our own files and the import map (nonce); no eval. Styles: MudBlazor writes style attributes
    /// and its theme's &lt;style&gt; element, so inline styles are allowed (styles cannot run code). Images: our own, plus
    /// data: (MudBlazor) and blob: (the station's photo previews). connect-src 'self' covers the circuit's WebSocket on
    /// the same host. Forms may post to the app, and to the Entra sign-in host where Entra signs people out.
    /// </summary>
    public static string Policy(string nonce, string? signInOrigin) =>
        "default-src 'self'; " +
        $"script-src 'self' 'nonce-{nonce}'; " +
        "style-src 'self' 'unsafe-inline'; " +
        "img-src 'self' data: blob:; " +
        "font-src 'self' data:; " +
        "connect-src 'self'; " +
        "object-src 'none'; " +
        "base-uri 'self'; " +
        $"form-action 'self'{(signInOrigin is null ? "" : " " + signInOrigin)}; " +
        "frame-ancestors 'none'";

    public static WebApplication UseGraderSecurityHeaders(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var signInOrigin = EntraOrigin(app.Configuration);
        app.Use((context, next) =>
        {
            // Set when the response starts, so that responses written after an exception (whose handler clears the
            // headers) and status-code pages carry them too.
            context.Response.OnStarting(static state =>
            {
                var (context, signInOrigin) = ((HttpContext, string?))state;
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "same-origin";
                headers.ContentSecurityPolicy = Policy(context.CspNonce(), signInOrigin);
                return Task.CompletedTask;
            }, (context, signInOrigin));
            return next(context);
        });
        return app;
    }

    private static string? EntraOrigin(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["AzureAd:ClientId"])
            && Uri.TryCreate(configuration["AzureAd:Instance"], UriKind.Absolute, out var instance)
            ? instance.GetLeftPart(UriPartial.Authority)
            : null;
}
