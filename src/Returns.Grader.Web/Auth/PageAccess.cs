using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing.Template;

namespace Returns.Grader.Web.Auth;

/// <summary>
/// Whether a person may open an address of this app, decided by the page's own authorization (its [Authorize] roles or
/// policy), so that the sign-in sends nobody to "Your role cannot open that page" and no list of pages is kept twice.
/// </summary>
public sealed class PageAccess(EndpointDataSource endpoints, IAuthorizationPolicyProvider policies, IAuthorizationService authorization)
{
    /// <summary>Where to go after signing in: the return address when this person may open it, else their role's first page.</summary>
    public async Task<string> AfterSignInAsync(ClaimsPrincipal user, string? returnUrl) =>
        AuthRegistration.IsLocalUrl(returnUrl) && returnUrl != "/" && await MayOpenAsync(user, returnUrl!)
            ? returnUrl!
            : LandingPages.For(user); // "/" only leads there too, one redirect later

    /// <summary>True when a GET of this local address reaches a page or endpoint whose authorization this person passes.</summary>
    public async Task<bool> MayOpenAsync(ClaimsPrincipal user, string localUrl)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(localUrl);
        var path = localUrl.Split('?', '#')[0];
        if (Find(path) is not { } endpoint)
        {
            return false; // nothing there: a "page not found" is no place to land
        }
        if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            return true;
        }
        var policy = await AuthorizationPolicy.CombineAsync(policies,
                endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>(), endpoint.Metadata.GetOrderedMetadata<AuthorizationPolicy>())
            ?? await policies.GetFallbackPolicyAsync();
        return policy is null || (await authorization.AuthorizeAsync(user, policy)).Succeeded;
    }

    /// <summary>
    /// The endpoint routing would pick for a GET of the path: the most specific pattern that matches. Route constraints
    /// are not checked ("/review/x" matches "/review/{TaskId:guid}"); at worst that lands on a page's own "not found".
    /// </summary>
    private RouteEndpoint? Find(string path) =>
        endpoints.Endpoints.OfType<RouteEndpoint>()
            // A catch-all (the static files' fallback) is not a page, and its constraint is not checked here.
            .Where(e => !e.RoutePattern.Parameters.Any(p => p.IsCatchAll))
            .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>() is not { } methods || methods.HttpMethods.Contains(HttpMethods.Get))
            .OrderBy(e => e.Order).ThenBy(e => e.RoutePattern.InboundPrecedence)
            .FirstOrDefault(e => new TemplateMatcher(new RouteTemplate(e.RoutePattern), new RouteValueDictionary(e.RoutePattern.Defaults))
                .TryMatch(path, new RouteValueDictionary()));
}
