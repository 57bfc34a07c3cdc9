using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Features.Photos;

namespace Returns.Grader.IntegrationTests;

/// <summary>Headers, cookies, redirects and readiness answers as an attacker or a proxy sees them.</summary>
public sealed partial class WebSecurityTests(GraderAppFactory app) : IClassFixture<GraderAppFactory>
{
    [Theory]
    [InlineData("/account/login", 200)] // a page
    [InlineData("/assets/css/app.css", 200)] // a static file
    [InlineData("/healthz", 200)]
    [InlineData("/api/v1/returns/00000000-0000-0000-0000-000000000001", 404)] // a problem response
    [InlineData("/api/v1/review-queue?minAgeHours=NaN", 400)] // a validation problem
    [InlineData("/api/v1/returns/not-a-guid", 400)] // a binding failure
    [InlineData("/no-such-page", 404)]
    public async Task EveryResponse_CarriesTheSecurityHeaders(string path, int status)
    {
        var response = await app.ApiClient("dev-admin").GetAsync(path);

        Assert.Equal(status, (int)response.StatusCode);
        AssertSecurityHeaders(response);
    }

    [Fact]
    public async Task ServerError_IsAProblem_AndKeepsTheSecurityHeaders()
    {
        using var failing = new GraderAppFactory
        {
            TestServices = services => services.AddSingleton<IStartupFilter, FailingPathStartupFilter>(),
        };
        failing.Settings["Grader:Vision:ModelDirectory"] = "";

        var response = await failing.ApiClient("dev-admin").GetAsync(FailingPathStartupFilter.Path);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(FailingPathStartupFilter.Secret, await response.Content.ReadAsStringAsync());
        AssertSecurityHeaders(response);
    }

    [Fact]
    public async Task Page_ImportMap_CarriesTheNonceOfItsContentSecurityPolicy()
    {
        var response = await app.CreateClient().GetAsync("/account/login");
        var html = await response.Content.ReadAsStringAsync();

        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        var nonce = CspNonce().Match(policy).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(nonce), policy);
        var importMap = ImportMapTag().Match(html);
        Assert.True(importMap.Success, html);
        Assert.Contains($"nonce=\"{nonce}\"", importMap.Value, StringComparison.Ordinal);
        Assert.DoesNotContain("'unsafe-eval'", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);

        var second = await app.CreateClient().GetAsync("/account/login");
        Assert.NotEqual(policy, second.Headers.GetValues("Content-Security-Policy").Single()); // a new nonce per response
    }

    [Fact]
    public async Task Photo_IsCachedPrivatelyOnly()
    {
        var client = app.ApiClient();
        var item = (await client.CreateItemAsync(ApiJson.UniquePlate())).GetProperty("id").GetString();
        var upload = await (await client.PostAsync($"/api/v1/returns/{item}/photos", ApiJson.PhotoForm(("p.jpg", TestPhotos.HalfRedHalfBlueJpeg(), "image/jpeg")))).ReadJsonAsync();
        var url = upload.GetProperty("photos")[0].GetProperty("url").GetString();

        var photo = await client.GetAsync(url);
        var thumbnail = await client.GetAsync(url + "?size=160");

        Assert.Equal(HttpStatusCode.OK, photo.StatusCode);
        Assert.True(photo.Headers.CacheControl?.Private, $"Cache-Control: {photo.Headers.CacheControl}");
        Assert.True(thumbnail.Headers.CacheControl?.Private, $"Cache-Control: {thumbnail.Headers.CacheControl}");
    }

    [Fact]
    public async Task Readyz_NamesTheFailedDependency_WithoutItsExceptionText()
    {
        using var broken = new GraderAppFactory { TestServices = services => services.AddSingleton<IPhotoStore, UnwritablePhotoStore>() };
        broken.Settings["Grader:Vision:ModelDirectory"] = "";

        var response = await broken.CreateClient().GetAsync("/readyz");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var report = await response.ReadJsonAsync();
        Assert.Equal("Unhealthy", report.GetProperty("checks").GetProperty("photo-store").GetProperty("status").GetString());
        Assert.Equal("Healthy", report.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.DoesNotContain(UnwritablePhotoStore.Secret, body, StringComparison.Ordinal);
        AssertSecurityHeaders(response);
    }

    [Theory]
    [InlineData("/openapi/v1.json")]
    [InlineData("/api/v1/review-queue")]
    public async Task MachineReadPaths_Anonymous_Are401NeverARedirect(string path)
    {
        var response = await app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Theory]
    [InlineData("GET", "/api/v1/review-queue", null, 401, "X-Api-Key")]
    [InlineData("GET", "/api/v1/review-queue", "dev-grader", 403, "roles")]
    [InlineData("GET", "/api/v1/no-such-thing", "dev-admin", 404, "Nothing answers at this address")]
    [InlineData("DELETE", "/api/v1/review-queue", "dev-admin", 405, "does not take that method")]
    public async Task ARefusalTheFrameworkMakes_SaysWhyInItsProblem(string method, string path, string? apiKey, int status, string said)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }
        var response = await app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains(said, problem.GetProperty("detail").GetString(), StringComparison.Ordinal); // there was no detail
    }

    [Theory]
    [InlineData("/api/v1/review-queue", "dev-supervisor", 200)]
    [InlineData("/api/v1/models", "dev-data", 200)]
    [InlineData("/api/v1/review-queue", "dev-grader", 403)] // HEAD is refused as GET is
    [InlineData("/api/v1/returns/00000000-0000-0000-0000-000000000001", "dev-admin", 404)]
    public async Task Head_OnAnApiAddress_AnswersAsItsGetWould_WithoutTheBody(string path, string apiKey, int status)
    {
        var client = app.ApiClient(apiKey);
        var get = await client.GetAsync(path);
        var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path)); // was 404 for every address

        Assert.Equal(status, (int)get.StatusCode);
        Assert.Equal(get.StatusCode, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
        Assert.Equal(get.Headers.TryGetValues("X-Total-Count", out var total) ? total : null,
            head.Headers.TryGetValues("X-Total-Count", out var headTotal) ? headTotal : null);
        // No body assertion here: the test server passes a HEAD answer's body through, Kestrel drops it (TwoNodeTests
        // checks that over real HTTP on an export's download).
    }

    [Fact]
    public async Task AWrongMethod_IsA405_WhoseAllowListsHeadBesideGet()
    {
        var response = await app.ApiClient("dev-admin").DeleteAsync("/api/v1/exports");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET", "HEAD", "POST"], response.Content.Headers.Allow.Order(StringComparer.Ordinal));
    }

    /// <summary>Routing listed the static-asset fallback's GET and HEAD in every API 405 (exploratory pass, 2026-12-06).</summary>
    [Theory]
    [InlineData("/api/v1/photos/0193a5f0-0000-7000-8000-000000000001/set-aside", new[] { "DELETE", "PUT" })]
    [InlineData("/api/v1/returns/0193a5f0-0000-7000-8000-000000000001/grade", new[] { "POST" })]
    public async Task AWrongMethod_IsA405_WhoseAllowListsOnlyWhatTheAddressTakes(string path, string[] allowed)
    {
        var client = app.ApiClient("dev-admin");
        var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Patch, path));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(allowed, response.Content.Headers.Allow.Order(StringComparer.Ordinal));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        // GET, which it does not list either, is refused alike (it was a 404: the static-asset fallback took it)
        var get = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(allowed, get.Content.Headers.Allow.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// An address the API does not have is a 404 whatever the method: POST there was a 405 "Allow: GET, HEAD" (the
    /// static-asset fallback's methods), which told a client the address exists (exploratory pass, 2026-12-06).
    /// </summary>
    [Theory]
    [InlineData("POST", "/api/v1/no-such-thing")]
    [InlineData("DELETE", "/api/v1/returns/0193a5f0-0000-7000-8000-000000000001/grades")] // beside a real address
    [InlineData("PUT", "/api/v2/returns")]
    [InlineData("GET", "/api/v1/no-such-thing")]
    [InlineData("PATCH", "/api/v1/returns/0193a5f0-0000-7000-8000-000000000001/grade/more")]
    public async Task AnAddressTheApiDoesNotHave_IsA404Problem_WhateverTheMethod(string method, string path)
    {
        var response = await app.ApiClient("dev-admin").SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "GET" ? null : JsonContent.Create(new { }),
        });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(response.Content.Headers.Allow);
    }

    [Theory]
    [InlineData("/\t/evil.example")] // browsers drop the tab: //evil.example
    [InlineData("/\r\n/evil.example")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("/a\\..\\\\evil.example")]
    [InlineData("https://evil.example/station")]
    [InlineData("\u202E/evil.example")]
    [InlineData("/ /evil.example")]
    [InlineData("")]
    public async Task LocalSignIn_WithAnOffSiteReturnUrl_GoesToTheRolesFirstPage(string returnUrl)
    {
        var (session, _) = await SignedInAsync(returnUrl);
        var response = session.LastSignIn!;

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/review", response.Headers.Location!.OriginalString); // a supervisor's first page (LandingPages)
    }

    [Fact]
    public async Task LocalSignIn_WithALocalReturnUrl_GoesThere()
    {
        var (session, _) = await SignedInAsync("/review?reason=HighValue");

        Assert.Equal("/review?reason=HighValue", session.LastSignIn!.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Logout_WithoutTheAntiforgeryToken_IsRefused_AndWithItSignsOut()
    {
        var (session, _) = await SignedInAsync("/station");
        var page = await session.Client.GetStringAsync("/review");
        var token = WebUtility.HtmlDecode(HiddenToken().Match(page).Groups[1].Value);

        var forged = await session.Client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string>()));
        var stillSignedIn = await session.Client.GetAsync("/review");
        var genuine = await session.Client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        var afterwards = await session.Client.GetAsync("/review");

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stillSignedIn.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, genuine.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, afterwards.StatusCode); // to the sign-in form
        Assert.StartsWith("/account/login", afterwards.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    /// <summary>
    /// The sign-out address opened in the browser (typed, bookmarked) asks and signs out with that page's own form; it
    /// answered "Page not found" for an address that exists. A GET alone still signs nobody out (a page elsewhere could).
    /// </summary>
    [Fact]
    public async Task TheSignOutAddressInTheBrowser_AsksFirst_AndItsFormSignsOut()
    {
        var (session, _) = await SignedInAsync("/station");

        var asked = await session.Client.GetAsync("/account/logout");
        var page = await asked.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        Assert.Contains("data-testid=\"sign-out-confirm\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"not-found\"", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await session.Client.GetAsync("/review")).StatusCode); // still signed in

        var token = WebUtility.HtmlDecode(HiddenToken().Match(page).Groups[1].Value);
        var signOut = await session.Client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.StartsWith("/account/login", signOut.Headers.Location!.OriginalString, StringComparison.Ordinal);

        var afterwards = await (await session.Client.GetAsync("/account/logout")).Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"sign-in-link\"", afterwards, StringComparison.Ordinal);
        Assert.DoesNotContain("sign-out-confirm", afterwards, StringComparison.Ordinal);
    }

    /// <summary>
    /// Signing out ends the sign-in everywhere, not only in the browser that asked (ADR 0041): a copy of the same cookie
    /// (another tab's requests, another machine) is refused after the sign-out, and a new sign-in works. Cookies are
    /// stateless, so before the sign-out was written down the copy went on working for the whole shift.
    /// </summary>
    [Fact]
    public async Task AfterSignOut_ACopyOfTheSameCookie_IsRefused_AndANewSignInWorks()
    {
        using var own = new GraderAppFactory();
        own.Settings["Grader:Vision:ModelDirectory"] = "";
        var (session, _) = await SignedInAsync("/station", own);
        var auth = Assert.Single(Cookies(session.LastSignIn!), c => c.StartsWith("grader.auth=", StringComparison.Ordinal)).Split(';')[0];
        using var copy = own.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        copy.DefaultRequestHeaders.Add("Cookie", auth);
        Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync("/api/v1/review-queue")).StatusCode); // the copy works while signed in

        var page = await session.Client.GetStringAsync("/review");
        var token = WebUtility.HtmlDecode(HiddenToken().Match(page).Groups[1].Value);
        var signOut = await session.Client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await copy.GetAsync("/api/v1/review-queue")).StatusCode);
        var pageWithCopy = await copy.GetAsync("/review");
        Assert.Equal(HttpStatusCode.Redirect, pageWithCopy.StatusCode);
        Assert.StartsWith("/account/login", pageWithCopy.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        var (again, _) = await SignedInAsync("/station", own); // a new sign-in is a new session
        Assert.Equal(HttpStatusCode.OK, (await again.Client.GetAsync("/api/v1/review-queue")).StatusCode);
    }

    /// <summary>
    /// A supervisor who signs out lets go of the task they hold: it stayed "being reviewed" by someone who had gone home
    /// until the lease ran out, and another supervisor's claim was refused meanwhile.
    /// </summary>
    [Fact]
    public async Task SignOut_LetsGoOfTheReviewTasksThisSupervisorHolds()
    {
        using var own = new GraderAppFactory();
        own.Settings["Grader:Vision:ModelDirectory"] = "";
        var grader = own.ApiClient("dev-grader");
        var admin = own.ApiClient("dev-admin");
        var id = (await grader.CreateItemAsync(ApiJson.UniquePlate("SO"), 800m)).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "Good", disposition = "resell_used", damage = new[] { new { type = "dent" } } })).StatusCode);
        var task = (await (await grader.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("reviews")[0].GetProperty("taskId").GetString()!;
        var (session, _) = await SignedInAsync("/review", own);
        var page = await session.Client.GetStringAsync("/review");
        var token = WebUtility.HtmlDecode(HiddenToken().Match(page).Groups[1].Value);
        using var claim = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/review-queue/{task}/claim");
        claim.Headers.Add("RequestVerificationToken", token); // as the pages' own calls send it
        Assert.Equal(HttpStatusCode.OK, (await session.Client.SendAsync(claim)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync($"/api/v1/review-queue/{task}/claim", null)).StatusCode); // held

        Assert.Equal(HttpStatusCode.Redirect, (await session.Client.PostAsync("/account/logout",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }))).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/review-queue/{task}/claim", null)).StatusCode);
    }

    /// <summary>
    /// A sign-out the database does not take still signs this browser out (diff review: the write came first and its
    /// failure answered an error with the cookie still there, the person still signed in at a shared station).
    /// </summary>
    [Fact]
    public async Task SignOut_WhenTheDatabaseRefusesToWriteItDown_StillSignsThisBrowserOut()
    {
        using var own = new GraderAppFactory();
        own.Settings["Grader:Vision:ModelDirectory"] = "";
        var (session, _) = await SignedInAsync("/station", own);
        var page = await session.Client.GetStringAsync("/review");
        var token = WebUtility.HtmlDecode(HiddenToken().Match(page).Groups[1].Value);

        HttpResponseMessage signOut;
        await using (await RefusedWrites.OnAsync(own.DatabasePath, "SignedOutSessions"))
        {
            signOut = await session.Client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        }

        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.StartsWith("/account/login", signOut.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var afterwards = await session.Client.GetAsync("/review");
        Assert.Equal(HttpStatusCode.Redirect, afterwards.StatusCode); // the cookie is gone: to the sign-in form
    }

    [Fact]
    public async Task BehindATlsProxy_TheCookiesAreSecure_AndWithoutItTheyAreNot()
    {
        using var proxied = new GraderAppFactory();
        proxied.Settings["Grader:Vision:ModelDirectory"] = "";
        var address = proxied.StartOnKestrel(); // a real loopback connection: the default trusted proxy

        using var viaProxy = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = address };
        viaProxy.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        using var direct = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = address };

        var proxiedLogin = await viaProxy.GetAsync("/account/login");
        var directLogin = await direct.GetAsync("/account/login");
        var signIn = await SignInAsync(viaProxy, proxiedLogin, "/station");

        Assert.All(Cookies(proxiedLogin), c => Assert.Contains("secure", c, StringComparison.OrdinalIgnoreCase));
        Assert.NotEmpty(Cookies(proxiedLogin)); // the antiforgery cookie
        Assert.NotEmpty(Cookies(directLogin));
        Assert.All(Cookies(directLogin), c => Assert.DoesNotContain("secure", c, StringComparison.OrdinalIgnoreCase));
        var auth = Assert.Single(Cookies(signIn), c => c.StartsWith("grader.auth=", StringComparison.Ordinal));
        Assert.Contains("secure", auth, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// A proxy given as one value ("Grader__Proxy__KnownProxies=192.0.2.2", no index) or a list in one value is trusted:
    /// the binder ignored a value without an index, and the cookies lost Secure without a word (operator pass).
    /// </summary>
    [Fact]
    public void ProxiesWrittenAsOneValue_AreTrusted()
    {
        using var app = new GraderAppFactory();
        app.Settings["Grader:Vision:ModelDirectory"] = "";
        app.Settings["Grader:Proxy:KnownProxies"] = "192.0.2.2, 192.0.2.3";
        app.Settings["Grader:Proxy:KnownNetworks"] = "10.1.0.0/16";
        _ = app.CreateClient();

        var forwarded = app.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;

        Assert.Contains(IPAddress.Parse("192.0.2.2"), forwarded.KnownProxies);
        Assert.Contains(IPAddress.Parse("192.0.2.3"), forwarded.KnownProxies);
        Assert.Contains(forwarded.KnownIPNetworks, n => n.ToString() == "10.1.0.0/16");
    }

    [Fact]
    public async Task SlowUploadBody_Is408NotTooLarge()
    {
        using var slow = new GraderAppFactory
        {
            // The server's minimum data rate, lowered in its grace period so that the test takes seconds, not minutes.
            TestServices = services => services.Configure<KestrelServerOptions>(o => o.Limits.MinRequestBodyDataRate = new MinDataRate(100, TimeSpan.FromSeconds(2))),
        };
        slow.Settings["Grader:Vision:ModelDirectory"] = "";
        var address = slow.StartOnKestrel();
        var item = (await slow.ApiClient().CreateItemAsync(ApiJson.UniquePlate())).GetProperty("id").GetString();

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        var stream = tcp.GetStream();
        var head = $"POST /api/v1/returns/{item}/photos HTTP/1.1\r\nHost: {address.Authority}\r\nX-Api-Key: dev-grader\r\nAccept: application/json\r\n" +
            "Content-Type: multipart/form-data; boundary=slow\r\nContent-Length: 100000\r\n\r\n--slow\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !answer.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            try
            {
                await stream.WriteAsync(new byte[] { (byte)'x' }); // 2 bytes a second
            }
            catch (IOException)
            {
                // The server may close its side once it has answered.
            }
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                var read = await stream.ReadAsync(buffer, wait.Token);
                if (read == 0)
                {
                    break;
                }
                answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }
            catch (OperationCanceledException)
            {
                // Nothing yet: send the next byte.
            }
        }

        Assert.StartsWith("HTTP/1.1 408", answer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutsideDevelopment_ABindingFailure_IsAProblemNamingTheField()
    {
        // Production with Entra settings; a test scheme stands in for Entra's tokens (the app never calls Entra here).
        using var production = EntraApp(AsTestAdmin);
        var client = production.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var queue = await client.GetAsync("/api/v1/review-queue?minAgeHours=1e300");
        var item = await client.GetAsync("/api/v1/returns/not-a-guid");
        var grade = await client.PostAsync($"/api/v1/returns/{Guid.NewGuid()}/grade", new StringContent("""{"grade": "Good", "itemVersion": 5}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, queue.StatusCode);
        Assert.True((await queue.ReadJsonAsync()).GetProperty("errors").TryGetProperty("minAgeHours", out _));
        Assert.Equal(HttpStatusCode.BadRequest, item.StatusCode);
        Assert.True((await item.ReadJsonAsync()).GetProperty("errors").TryGetProperty("id", out _));
        Assert.Equal(HttpStatusCode.BadRequest, grade.StatusCode);
        Assert.Equal("application/problem+json", grade.Content.Headers.ContentType?.MediaType);
        Assert.True((await grade.ReadJsonAsync()).GetProperty("errors").TryGetProperty("itemVersion", out _));
        AssertSecurityHeaders(grade);
        Assert.Contains("login.microsoftonline.com", grade.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal); // Entra's sign-out form target
    }

    /// <summary>
    /// With Entra ID sign-in there are no API keys: a 401 said "send one API key this app knows in X-Api-Key" and the
    /// OpenAPI document offered an X-Api-Key scheme, sending an integrator looking for a key that does not exist. Both
    /// now name an Entra ID bearer token.
    /// </summary>
    [Fact]
    public async Task OutsideDevelopment_The401AndTheOpenApiDocument_NameABearerToken_NotAnApiKey()
    {
        using var production = EntraApp();
        var anonymous = production.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var refused = await anonymous.GetAsync("/api/v1/review-queue");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        // RFC 9110 15.5.2: a 401 says which credentials to send; it had no WWW-Authenticate at all
        Assert.Equal("Bearer", Assert.Single(refused.Headers.WwwAuthenticate).Scheme);
        var detail = (await refused.ReadJsonAsync()).GetProperty("detail").GetString()!;
        Assert.Contains("Authorization: Bearer", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Api-Key", detail, StringComparison.Ordinal);

        using var signedIn = EntraApp(AsTestAdmin);
        var document = await (await signedIn.CreateClient().GetAsync("/openapi/v1.json")).ReadJsonAsync();
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("EntraBearer").GetProperty("scheme").GetString());
        Assert.False(schemes.TryGetProperty("ApiKey", out _), "no API key scheme outside the local sign-in");
        Assert.DoesNotContain("X-Api-Key", document.GetRawText(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Entra unreachable (an outage, a firewall): a page asked for by a browser answered an empty 500, a blank page at the
    /// start of a shift. It is a 503 page in words with Retry-After, its "Try again" link never another site, and the log
    /// says it once; an API call with a token is a 401 (the token check cannot tell an outage from a bad token), not a 500.
    /// The instance is a closed port on this machine: nothing leaves it.
    /// </summary>
    [Fact]
    public async Task EntraUnreachable_APageIs503InWords_AndTheApiNot500()
    {
        var warnings = new WarningLog();
        using var production = EntraApp(services => services.AddSingleton<ILoggerProvider>(warnings), UnreachableInstance);
        var browser = production.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var page = await browser.SendAsync(PageRequest("/quality?category=Kitchen"));
        // A path that a browser would read as another site; written whole, as "//x/" alone is taken as a host here too.
        var other = await browser.SendAsync(PageRequest($"{browser.BaseAddress!.GetLeftPart(UriPartial.Authority)}//elsewhere.example/"));
        using var apiCall = new HttpRequestMessage(HttpMethod.Get, "/api/v1/review-queue");
        apiCall.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln");
        var api = await browser.SendAsync(apiCall);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Microsoft Entra ID cannot be reached", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/quality?category=Kitchen\"", html, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(30), page.Headers.RetryAfter?.Delta);
        AssertSecurityHeaders(page);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, other.StatusCode);
        Assert.Contains("href=\"/\"", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
        Assert.Single(warnings.Messages, m => m.StartsWith("Microsoft Entra ID cannot be reached", StringComparison.Ordinal)); // two pages, said once
    }

    /// <summary>
    /// Signing out while Entra cannot be reached: this app's sign-out is done and the browser goes to the start page. The
    /// failure to find Entra's sign-out page answered "sign-in unavailable" and lost the cookie's deletion (diff review).
    /// </summary>
    [Fact]
    public async Task EntraUnreachable_SignOutStillSignsThisBrowserOut()
    {
        using var production = EntraApp(AsTestAdmin, UnreachableInstance);
        var browser = production.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var token = WebUtility.HtmlDecode(HiddenToken().Match(await browser.GetStringAsync("/review")).Groups[1].Value);

        var signOut = await browser.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));

        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal("/", signOut.Headers.Location?.OriginalString);
        Assert.Contains(Cookies(signOut), c => c.StartsWith("grader.auth=;", StringComparison.Ordinal)); // deleted
    }

    /// <summary>A closed port on this machine: Entra "unreachable" without anything leaving it.</summary>
    private const string UnreachableInstance = "https://127.0.0.1:9/";

    /// <summary>The app in Production with Entra ID settings (appsettings' instance unless one is given); no request signs in.</summary>
    private static GraderAppFactory EntraApp(Action<IServiceCollection>? services = null, string? instance = null)
    {
        var app = new GraderAppFactory { EnvironmentName = "Production", TestServices = services };
        app.Settings["Grader:Vision:ModelDirectory"] = "";
        if (instance is not null)
        {
            app.Settings["AzureAd:Instance"] = instance;
        }
        app.Settings["AzureAd:TenantId"] = "22222222-2222-2222-2222-222222222222";
        app.Settings["AzureAd:ClientId"] = "11111111-1111-1111-1111-111111111111";
        app.Settings["AzureAd:ClientSecret"] = "not-a-real-secret"; // never sent anywhere: no request here signs in
        return app;
    }

    /// <summary>A test scheme stands in for Entra's sign-in: every request is Test Admin's.</summary>
    private static void AsTestAdmin(IServiceCollection services)
    {
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, TestAdminHandler>(TestAdminHandler.SchemeName, _ => { });
        services.PostConfigure<PolicySchemeOptions>("Grader", o => o.ForwardDefaultSelector = _ => TestAdminHandler.SchemeName);
    }

    private static HttpRequestMessage PageRequest(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html");
        return request;
    }

    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        string Header(string name) => response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : "";
        Assert.Equal("nosniff", Header("X-Content-Type-Options"));
        Assert.Equal("DENY", Header("X-Frame-Options"));
        Assert.Equal("same-origin", Header("Referrer-Policy"));
        var policy = Header("Content-Security-Policy");
        Assert.Contains("default-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self' 'nonce-", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
    }

    private static List<string> Cookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values.ToList() : [];

    private sealed class SignInSession(HttpClient client)
    {
        public HttpClient Client { get; } = client;

        public HttpResponseMessage? LastSignIn { get; set; }
    }

    /// <param name="on">Another app than the class's (whose sign-in limit, ten at once per address, its tests share).</param>
    private async Task<(SignInSession Session, string Page)> SignedInAsync(string returnUrl, GraderAppFactory? on = null)
    {
        var client = (on ?? app).CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var login = await client.GetAsync("/account/login");
        var session = new SignInSession(client);
        session.LastSignIn = await SignInAsync(client, login, returnUrl);
        return (session, await login.Content.ReadAsStringAsync());
    }

    private static async Task<HttpResponseMessage> SignInAsync(HttpClient client, HttpResponseMessage login, string returnUrl)
    {
        var html = await login.Content.ReadAsStringAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/account/local-sign-in")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["name"] = "Ana Grader",
                ["role"] = "Supervisor",
                ["returnUrl"] = returnUrl,
                ["__RequestVerificationToken"] = WebUtility.HtmlDecode(HiddenToken().Match(html).Groups[1].Value),
            }),
        };
        // A client without a cookie container (the proxy test) sends the antiforgery cookie by hand.
        if (Cookies(login).FirstOrDefault(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal)) is { } antiforgery)
        {
            request.Headers.Add("Cookie", antiforgery.Split(';')[0]);
        }
        return await client.SendAsync(request);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex HiddenToken();

    [GeneratedRegex("<script[^>]*type=\"importmap\"[^>]*>")]
    private static partial Regex ImportMapTag();

    [GeneratedRegex("'nonce-([^']+)'")]
    private static partial Regex CspNonce();

    /// <summary>Adds a path that throws, at the end of the app's pipeline (inside its exception handler).</summary>
    private sealed class FailingPathStartupFilter : IStartupFilter
    {
        public const string Path = "/test-only/fail";
        public const string Secret = "connection string Password=hunter2";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => builder =>
        {
            next(builder);
            builder.Use((HttpContext context, RequestDelegate _) =>
                context.Request.Path == Path ? throw new InvalidOperationException(Secret) : Task.CompletedTask);
        };
    }

    private sealed class UnwritablePhotoStore : IPhotoStore
    {
        public const string Secret = "/mnt/secret-share/photos";

        public Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task SaveAsync(string key, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => throw new IOException(Secret);

        public IAsyncEnumerable<StoredPhoto> ListAsync(CancellationToken cancellationToken) => AsyncEnumerable.Empty<StoredPhoto>();

        public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken) => Task.FromResult<Stream?>(null);

        public Task DeleteAsync(string key, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task CheckWritableAsync(CancellationToken cancellationToken) => throw new IOException($"Access to the path '{Secret}' is denied.");
    }

    private sealed class TestAdminHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string SchemeName = "TestAdmin";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
            Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(
                [new Claim(ClaimTypes.NameIdentifier, "test:admin"), new Claim(ClaimTypes.Name, "Test Admin"), new Claim(ClaimTypes.Role, "Admin")], SchemeName)), SchemeName)));
    }
}
