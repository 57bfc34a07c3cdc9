using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Returns.Grader.TestSupport;

namespace Returns.Grader.IntegrationTests;

/// <summary>The app for these tests: more sign-ins per minute than the default, since every test signs in.</summary>
public sealed class SignInAppFactory : GraderAppFactory
{
    public SignInAppFactory() => Settings["Grader:RateLimits:SignInsBurst"] = "100";
}

/// <summary>
/// Issue 17 item 6: each role lands on its first page after signing in (a data scientist used to land on "Your role
/// cannot open that page"), a return address wins only where the role may open it, and an unknown address shows a
/// browser a page, not the API's problem+json.
/// </summary>
public sealed partial class SignInLandingTests(SignInAppFactory app) : IClassFixture<SignInAppFactory>
{
    [Theory]
    [InlineData("Grader", "/station")]
    [InlineData("Supervisor", "/review")]
    [InlineData("DataScientist", "/exports")]
    [InlineData("Admin", "/station")]
    public async Task SignIn_WithoutReturnUrl_LandsOnTheRolesFirstPage_WhichItMayOpen(string role, string landing)
    {
        var (client, signIn) = await SignInAsync(role, returnUrl: null);

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal(landing, signIn.Headers.Location!.OriginalString);
        var page = await client.GetAsync(landing);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode); // not a redirect to /account/denied
    }

    [Theory]
    [InlineData("DataScientist", "/quality", "/quality")]          // may open it: it wins
    [InlineData("Supervisor", "/station?plate=LP-1", "/station?plate=LP-1")]
    [InlineData("DataScientist", "/station", "/exports")]          // may not: the role's first page instead
    [InlineData("Grader", "/review", "/station")]
    [InlineData("Grader", "/no-such-page", "/station")]            // no page there
    [InlineData("Supervisor", "/", "/review")]                     // the home address is no destination of its own
    public async Task SignIn_WithReturnUrl_GoesThere_OnlyWhenTheRoleMayOpenIt(string role, string returnUrl, string expected)
    {
        var (_, signIn) = await SignInAsync(role, returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal(expected, signIn.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task HomeAddress_SendsASignedInDataScientist_ToTheExportsPage()
    {
        var (client, _) = await SignInAsync("DataScientist", returnUrl: null);

        var home = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
        Assert.Equal("/exports", home.Headers.Location!.OriginalString.Replace("http://localhost", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownAddress_ShowsABrowserAPageNotFound_WithLinks()
    {
        var (client, _) = await SignInAsync("DataScientist", returnUrl: null);

        var response = await client.GetAsync("/no-such-page/at-all");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("data-testid=\"not-found\"", html, StringComparison.Ordinal);
        var home = Regex.Match(html, "<a[^>]*data-testid=\"not-found-home\"[^>]*>").Value;
        Assert.Contains("href=\"/exports\"", home, StringComparison.Ordinal); // the way back to their own first page
    }

    [Fact]
    public async Task UnknownApiAddress_IsStillProblemJson_ForTheSignedInBrowserAndForAKey()
    {
        var (client, _) = await SignInAsync("Grader", returnUrl: null);

        var fromBrowser = await client.GetAsync("/api/v1/no-such-endpoint");
        var fromKey = await app.ApiClient().GetAsync("/api/v1/no-such-endpoint");

        foreach (var response in new[] { fromBrowser, fromKey })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        }
    }

    /// <summary>
    /// A name that cannot show as it is stored (a newline, a text-direction override, nothing but a zero-width space) is
    /// refused like an empty one, back to the form: it was kept with the person's grades (security pass, 2026-12-07).
    /// </summary>
    [Theory]
    [InlineData("Ann\nLee")]
    [InlineData("\u202Eeel nnA")]
    [InlineData("\u200B")]
    [InlineData("Ann \u2067Lee\u2069")]
    public async Task SignIn_WithANameThatCannotShowAsItIs_IsRefused_SayingWhy(string name)
    {
        var (client, signIn) = await SignInAsync("Grader", returnUrl: null, name: name);

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/account/login?error=name", signIn.Headers.Location!.OriginalString);
        Assert.Contains("changes how it shows", await client.GetStringAsync("/account/login?error=name"), StringComparison.Ordinal);
    }

    /// <summary>The local sign-in form as a browser posts it, with its antiforgery token; the client keeps the cookie.</summary>
    private async Task<(HttpClient Client, HttpResponseMessage SignIn)> SignInAsync(string role, string? returnUrl, string? name = null)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var login = await client.GetStringAsync("/account/login");
        var form = new Dictionary<string, string>
        {
            ["name"] = name ?? $"Test {role}",
            ["role"] = role,
            ["__RequestVerificationToken"] = HiddenToken().Match(login).Groups[1].Value,
        };
        if (returnUrl is not null)
        {
            form["returnUrl"] = returnUrl;
        }
        return (client, await client.PostAsync("/account/local-sign-in", new FormUrlEncodedContent(form)));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex HiddenToken();
}
