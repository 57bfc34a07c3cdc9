using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Returns.Grader.Web.Auth;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>
/// Requests that rely on the browser's sign-in cookie (the station's own uploads) must carry the antiforgery token,
/// because a cookie is sent by the browser on its own. Callers signed in by an explicit credential (API key, bearer
/// token) cannot be forged cross-site and need none. What counts is the scheme that signed the request in, not the
/// headers it carries: "Authorization: Bearer junk" beside the cookie skipped the check (security pass, 2026-12-05).
/// </summary>
public sealed class CookieAntiforgeryFilter(IAntiforgery antiforgery) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var scheme = http.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Ticket?.AuthenticationScheme;
        var explicitCredential = scheme is DevApiKeyHandler.SchemeName or JwtBearerDefaults.AuthenticationScheme;
        if (!explicitCredential && !await antiforgery.IsRequestValidAsync(http))
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Missing or invalid antiforgery token",
                detail: "Reload the page and try again.");
        }
        return await next(context);
    }
}
