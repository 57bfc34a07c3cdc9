using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Returns.Grader.Web.Auth;

/// <summary>
/// Development-only API keys (X-Api-Key). They are named for what they are and the app refuses to start with them
/// outside the Development environment (see AuthRegistration), so they cannot work in a deployed app.
/// </summary>
public sealed class DevApiKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "DevApiKey";
    public const string HeaderName = "X-Api-Key";

    /// <summary>A 401's WWW-Authenticate where the development key is what to send (no registered scheme names a header key).</summary>
    public const string Challenge = $"ApiKey header=\"{HeaderName}\"";

    public static readonly IReadOnlyDictionary<string, string> KeysToRoles = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["dev-grader"] = Roles.Grader,
        ["dev-supervisor"] = Roles.Supervisor,
        ["dev-data"] = Roles.DataScientist,
        ["dev-admin"] = Roles.Admin,
    };

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var key = values.ToString();
        if (!KeysToRoles.TryGetValue(key, out var role))
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, $"apikey:{key}"),
                new Claim(ClaimTypes.Name, $"{key} (development key)"),
                new Claim(ClaimTypes.Role, role),
            ],
            SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    /// <summary>An unknown key's 401 says what is expected (RFC 9110 15.5.2: a 401 carries WWW-Authenticate).</summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"{Challenge}, error=\"invalid_key\"";
        return Task.CompletedTask;
    }
}
