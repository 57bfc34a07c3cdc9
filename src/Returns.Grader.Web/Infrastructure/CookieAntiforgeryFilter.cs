using Microsoft.AspNetCore.Antiforgery;
using Returns.Grader.Web.Auth;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>
/// Requests that rely on the browser's sign-in cookie (the station's own uploads) must carry the antiforgery token,
/// because a cookie is sent by the browser on its own. Callers with an explicit credential (API key, bearer token)
/// cannot be forged cross-site and need none.
/// </summary>
public sealed class CookieAntiforgeryFilter(IAntiforgery antiforgery) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var explicitCredential = http.Request.Headers.ContainsKey(DevApiKeyHandler.HeaderName)
            || http.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);
        if (!explicitCredential && !await antiforgery.IsRequestValidAsync(http))
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Missing or invalid antiforgery token",
                detail: "Reload the page and try again.");
        }
        return await next(context);
    }
}
