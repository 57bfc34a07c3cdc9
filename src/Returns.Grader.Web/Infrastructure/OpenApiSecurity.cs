using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Returns.Grader.Web.Infrastructure;

/// <summary>
/// The OpenAPI document says how to sign in: an API key in X-Api-Key (development) or an Entra ID bearer token, or the
/// browser's sign-in cookie, and that every operation needs one (401 without, 403 for a role the endpoint does not
/// allow). A client generated from the document knew of no key at all (API pass, 2026-12-05).
/// </summary>
internal static class OpenApiSecurity
{
    private const string ApiKey = "ApiKey";
    private const string Bearer = "EntraBearer";

    private static bool IsLocal(IServiceProvider services) => services.GetService<Auth.SignInMode>()?.IsLocal ?? true;

    /// <summary>The scheme a system signs in with here: a development API key, or an Entra ID access token.</summary>
    private static string SystemScheme(IServiceProvider services) => IsLocal(services) ? ApiKey : Bearer;
    private const string Cookie = "SignInCookie";

    public static void Describe(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, context, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            // What a system signs in with: development API keys with the local sign-in, Entra ID access tokens otherwise
            // (the document offered an API key in production, where none exists).
            document.Components.SecuritySchemes[SystemScheme(context.ApplicationServices)] = IsLocal(context.ApplicationServices)
                ? new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-Api-Key",
                    Description = "A development key with one role (README \"HTTP API v1\"; they work only in Development).",
                }
                : new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT",
                    Description = "An Entra ID access token for this app (its roles are the app roles Grader, Supervisor, DataScientist, Admin).",
                };
            document.Components.SecuritySchemes[Cookie] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Cookie, Name = "grader.auth",
                Description = "The browser's sign-in (the app's own pages); writes also need the page's antiforgery token.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            if (!context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Any())
            {
                return Task.CompletedTask;
            }
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SystemScheme(context.ApplicationServices), context.Document)] = [] });
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Cookie, context.Document)] = [] });
            operation.Responses ??= [];
            operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No valid credentials (never a redirect)." });
            operation.Responses.TryAdd("403", new OpenApiResponse { Description = "The caller's role may not use this endpoint." });
            return Task.CompletedTask;
        });
    }
}
