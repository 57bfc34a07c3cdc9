using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Identity.Web;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Auth;

/// <summary>
/// Sign-in: Entra ID (Microsoft.Identity.Web: OpenID Connect for people, bearer tokens for the API) when the
/// "AzureAd" section is configured; otherwise, and only in Development, a local sign-in where a person picks a
/// name and role, plus development API keys. The app refuses to start rather than run with weaker sign-in.
/// </summary>
public static class AuthRegistration
{
    private const string SelectorScheme = "Grader";
    public const string LocalSignInPath = "/account/login";

    /// <summary>Machine-read paths: an unauthenticated caller gets 401/403, never a redirect to a sign-in page.</summary>
    public static bool IsApiRequest(HttpRequest request) => request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/openapi");

    public static WebApplicationBuilder AddGraderAuth(this WebApplicationBuilder builder)
    {
        var entraConfigured = !string.IsNullOrWhiteSpace(builder.Configuration["AzureAd:ClientId"]);
        var devAuthConfigured = builder.Configuration.GetValue<bool>("DevAuth:Enabled");
        var isDevelopment = builder.Environment.IsDevelopment();

        if (devAuthConfigured && !isDevelopment)
        {
            throw StartupFailures.RefusedSetting("DevAuth",
                $"DevAuth:Enabled is set in the {builder.Environment.EnvironmentName} environment. The local sign-in and the development API keys exist only in Development; remove the setting.");
        }
        if (!entraConfigured && !isDevelopment)
        {
            throw StartupFailures.RefusedSetting("AzureAd",
                "No Entra ID settings (AzureAd:Instance, AzureAd:TenantId, AzureAd:ClientId). Outside Development the app only signs people in with Entra ID; configure the AzureAd section.");
        }
        if (!entraConfigured && !devAuthConfigured)
        {
            throw StartupFailures.RefusedSetting("AzureAd", "No sign-in is configured: set the AzureAd section, or DevAuth:Enabled=true in Development.");
        }

        if (entraConfigured && EntraSettingsMissing(builder.Configuration.GetSection("AzureAd")) is { Count: > 0 } missing)
        {
            // Started without them, every request answered 500 (health probes included) and the log said "IDW10106" once
            // per request (operator pass, 2026-12-05).
            throw StartupFailures.RefusedSetting("AzureAd",
                $"Entra ID sign-in is configured (AzureAd:ClientId) but incomplete: {string.Join("; ", missing)}. Complete the AzureAd section.");
        }

        var useLocal = !entraConfigured;
        builder.Services.AddSingleton(new SignInMode(useLocal));
        if (useLocal)
        {
            AddLocal(builder.Services);
        }
        else
        {
            AddEntra(builder);
        }

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policies.Grading, p => p.RequireAuthenticatedUser().RequireRole(Policies.RolesOf[Policies.Grading]))
            .AddPolicy(Policies.Reviewing, p => p.RequireAuthenticatedUser().RequireRole(Policies.RolesOf[Policies.Reviewing]))
            .AddPolicy(Policies.Quality, p => p.RequireAuthenticatedUser().RequireRole(Policies.RolesOf[Policies.Quality]))
            .AddPolicy(Policies.DataTeam, p => p.RequireAuthenticatedUser().RequireRole(Policies.RolesOf[Policies.DataTeam]))
            .AddPolicy(Policies.Staff, p => p.RequireAuthenticatedUser().RequireRole(Policies.RolesOf[Policies.Staff]))
            // Anything that forgets to state its roles still needs a signed-in person.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddSingleton<SignInSessions>();
        builder.Services.AddScoped<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider, SignedOutPageRevalidation>();
        builder.Services.AddSingleton<PageAccess>();
        return builder;
    }

    /// <summary>What Entra sign-in needs beyond the client id, each said with its key: Microsoft.Identity.Web checks them
    /// only on the first request, and redeems the sign-in code with the client's secret or certificate.</summary>
    internal static List<string> EntraSettingsMissing(IConfigurationSection azureAd)
    {
        var missing = new List<string>();
        if (!Uri.TryCreate(azureAd["Instance"], UriKind.Absolute, out var instance) || instance.Scheme != Uri.UriSchemeHttps)
        {
            missing.Add($"AzureAd:Instance must be an https address such as https://login.microsoftonline.com/ (it is '{azureAd["Instance"]}')");
        }
        if (string.IsNullOrWhiteSpace(azureAd["TenantId"]))
        {
            missing.Add("AzureAd:TenantId is empty");
        }
        if (string.IsNullOrWhiteSpace(azureAd["ClientSecret"])
            && !azureAd.GetSection("ClientCertificates").GetChildren().Any() && !azureAd.GetSection("ClientCredentials").GetChildren().Any())
        {
            missing.Add("no client credential: set AzureAd:ClientSecret, or AzureAd:ClientCertificates / AzureAd:ClientCredentials");
        }
        return missing;
    }

    private static void AddLocal(IServiceCollection services)
    {
        services.AddAuthentication(SelectorScheme)
            .AddPolicyScheme(SelectorScheme, "Local sign-in or development API key", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.ContainsKey(DevApiKeyHandler.HeaderName)
                    ? DevApiKeyHandler.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, cookie => ConfigureCookie(cookie, DevApiKeyHandler.Challenge))
            .AddScheme<AuthenticationSchemeOptions, DevApiKeyHandler>(DevApiKeyHandler.SchemeName, _ => { });
    }

    private static void AddEntra(WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("AzureAd");
        builder.Services.AddAuthentication(SelectorScheme)
            .AddPolicyScheme(SelectorScheme, "Entra ID (browser or bearer token)", o => o.ForwardDefaultSelector = context =>
            {
                string? authorization = context.Request.Headers.Authorization;
                if (authorization?.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) == true)
                {
                    return JwtBearerDefaults.AuthenticationScheme;
                }
                // The station's own calls to the API carry the sign-in cookie; they get 401, not a redirect.
                return IsApiRequest(context.Request) ? CookieAuthenticationDefaults.AuthenticationScheme : OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddMicrosoftIdentityWebApp(section, OpenIdConnectDefaults.AuthenticationScheme, CookieAuthenticationDefaults.AuthenticationScheme);
        builder.Services.AddAuthentication().AddMicrosoftIdentityWebApi(section, JwtBearerDefaults.AuthenticationScheme);
        builder.Services.Configure<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme,
            cookie => ConfigureCookie(cookie, JwtBearerDefaults.AuthenticationScheme));
        // Entra unreachable: a 503 page in words instead of an empty 500. First among the exception handlers, so that
        // nothing registered earlier answers it first.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<Microsoft.AspNetCore.Diagnostics.IExceptionHandler, SignInUnavailablePage>());
    }

    /// <param name="apiChallenge">
    /// What an API call without credentials is told to bring, in its 401's WWW-Authenticate (RFC 9110 15.5.2: a 401
    /// without one is malformed, and a client library cannot tell which credentials to send): a bearer token with Entra
    /// ID, the development key locally.
    /// </param>
    private static void ConfigureCookie(CookieAuthenticationOptions cookie, string apiChallenge)
    {
        cookie.Cookie.Name = "grader.auth";
        cookie.Cookie.HttpOnly = true;
        cookie.Cookie.SameSite = SameSiteMode.Lax;
        cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        cookie.LoginPath = LocalSignInPath;
        cookie.AccessDeniedPath = "/account/denied";
        cookie.ExpireTimeSpan = TimeSpan.FromHours(12); // a shift
        cookie.SlidingExpiration = true;
        // Every sign-in gets a session id, and a signed-out session's cookie is refused wherever it turns up (ADR 0041).
        // Chained: Microsoft.Identity.Web may have handlers of its own here.
        var signingIn = cookie.Events.OnSigningIn;
        cookie.Events.OnSigningIn = context =>
        {
            SignInSessions.Stamp(context.Principal);
            return signingIn(context);
        };
        var validate = cookie.Events.OnValidatePrincipal;
        cookie.Events.OnValidatePrincipal = async context =>
        {
            await validate(context);
            if (context.Principal is not null)
            {
                await SignInSessions.RejectSignedOutAsync(context);
            }
        };
        cookie.Events.OnRedirectToLogin = context =>
        {
            if (IsApiRequest(context.Request))
            {
                context.Response.Headers.WWWAuthenticate = apiChallenge;
            }
            return StatusInsteadOfRedirectForApi(context, StatusCodes.Status401Unauthorized);
        };
        cookie.Events.OnRedirectToAccessDenied = context => StatusInsteadOfRedirectForApi(context, StatusCodes.Status403Forbidden);
    }

    private static Task StatusInsteadOfRedirectForApi(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (IsApiRequest(context.Request))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>The local sign-in form posts here (Development only); sign-out works in both modes.</summary>
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").ExcludeFromDescription();

        account.MapPost("/local-sign-in", async ([FromForm] string name, [FromForm] string role, [FromForm] string? returnUrl, HttpContext http, SignInMode mode,
            PageAccess access) =>
        {
            if (!mode.IsLocal)
            {
                return Results.NotFound();
            }
            name = name?.Trim() ?? "";
            if (name.Length is 0 or > 100 || !Roles.All.Contains(role))
            {
                return Results.Redirect($"{LocalSignInPath}?error=1");
            }
            if (!IsAPersonsName(name))
            {
                return Results.Redirect($"{LocalSignInPath}?error=name");
            }
            var identity = new ClaimsIdentity(
                [
                    new Claim(ClaimTypes.NameIdentifier, $"local:{name.ToLowerInvariant()}"),
                    new Claim(ClaimTypes.Name, name),
                    new Claim(ClaimTypes.Role, role),
                ],
                CookieAuthenticationDefaults.AuthenticationScheme);
            var user = new ClaimsPrincipal(identity);
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, user);
            // Each role lands on its first page; a return address wins where this role may open it.
            return Results.LocalRedirect(await access.AfterSignInAsync(user, returnUrl));
        }).AllowAnonymous().RequireRateLimiting(Infrastructure.RateLimitPolicies.SignIns);

        // The sign-out form carries the antiforgery token; without it a page elsewhere could sign people out.
        account.MapPost("/logout", async (HttpContext http, SignInMode mode, IAntiforgery antiforgery, SignInSessions sessions) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Missing or invalid antiforgery token",
                    detail: "Sign out from the app's own page (reload it and try again).");
            }
            // Written down first: the pages this person still has open, and any copy of the cookie, stop acting for them.
            // If the database does not take it, this browser is still signed out (the cookie goes whatever happens).
            await sessions.SignedOutAsync(http.User, CancellationToken.None);
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            if (!mode.IsLocal)
            {
                try
                {
                    await http.SignOutAsync(OpenIdConnectDefaults.AuthenticationScheme, new AuthenticationProperties { RedirectUri = "/" });
                }
                catch (Exception e) when (SignInUnavailablePage.IsEntraUnreachable(e))
                {
                    // Entra's sign-out page cannot be found: this app's sign-out is done (written down, cookie deleted). The
                    // failure answered the "sign-in unavailable" page and lost the cookie's deletion with the response.
                    return Results.LocalRedirect("/");
                }
                return Results.Empty;
            }
            return Results.LocalRedirect(LocalSignInPath);
        }).RequireAuthorization()
            // Before the sign-out page (Components/Pages/Logout.razor, the same address for a GET): page endpoints take
            // POST too (form posts), and two endpoints for one POST is an ambiguous match, a 500.
            .WithOrder(-1);

        return app;
    }

    /// <summary>
    /// Only a path on this site: "/" then no second '/' or '\', no backslash, whitespace or control character anywhere
    /// (browsers drop tabs and newlines, so "/\t/evil.example" would be "//evil.example", another site).
    /// </summary>
    public static bool IsLocalUrl(string? url) =>
        !string.IsNullOrEmpty(url) && url.Length <= 2048 && url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(c => c == '\\' || char.IsControl(c) || char.IsWhiteSpace(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format);

    /// <summary>
    /// A name the grades it signs can show as it is: letters or digits, no control character (a newline) and no
    /// text-direction control (overrides, embeddings, isolates: U+202A-U+202E, U+2066-U+2069; a name in a right-to-left
    /// script needs none of them). A name of only a zero-width space or "\u202E…" was kept with the person's grades
    /// (security pass, 2026-12-07).
    /// </summary>
    private static bool IsAPersonsName(string name) =>
        name.Any(char.IsLetterOrDigit) && !name.Any(char.IsControl)
        && !name.Any(c => c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069');
}

/// <summary>Which sign-in the app runs with, for pages that show the local form or a "Sign in with Microsoft" link.</summary>
public sealed record SignInMode(bool IsLocal);
