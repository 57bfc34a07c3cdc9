using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Returns.Grader.TestSupport;

namespace Returns.Grader.IntegrationTests;

public sealed partial class AuthTests(GraderAppFactory app) : IClassFixture<GraderAppFactory>
{
    [Theory]
    [InlineData("GET", "/api/v1/returns/00000000-0000-0000-0000-000000000001")]
    [InlineData("POST", "/api/v1/returns")]
    [InlineData("GET", "/api/v1/photos/00000000-0000-0000-0000-000000000001")]
    public async Task Api_WithoutCredentials_Is401NeverARedirect(string method, string path)
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { }) });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(response.Headers.Location);
        // RFC 9110 15.5.2: a 401 says which credentials to send (it had no WWW-Authenticate): here the development key
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal(("ApiKey", "header=\"X-Api-Key\""), (challenge.Scheme, challenge.Parameter));
    }

    [Fact]
    public async Task Api_WithUnknownKey_Is401_SayingTheKeyIsInvalid()
    {
        var response = await app.ApiClient("not-a-key").GetAsync($"/api/v1/returns/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal(("ApiKey", "header=\"X-Api-Key\", error=\"invalid_key\""), (challenge.Scheme, challenge.Parameter));
    }

    [Fact]
    public async Task Grade_AsDataScientist_Is403()
    {
        var item = await app.ApiClient().CreateItemAsync(ApiJson.UniquePlate());

        var response = await app.ApiClient("dev-data").PostAsJsonAsync(
            $"/api/v1/returns/{item.GetProperty("id").GetString()}/grade", new { grade = "Good", disposition = "resell_used" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task ReadItem_AsDataScientist_IsAllowed()
    {
        var item = await app.ApiClient().CreateItemAsync(ApiJson.UniquePlate());

        var response = await app.ApiClient("dev-data").GetAsync($"/api/v1/returns/{item.GetProperty("id").GetString()}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task StationPage_WithoutSignIn_RedirectsToTheSignInForm()
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync("/station");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task LocalSignIn_ThenStationUpload_NeedsTheAntiforgeryToken()
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var login = await client.GetStringAsync("/account/login");
        var formToken = HiddenToken().Match(login).Groups[1].Value;
        var signIn = await client.PostAsync("/account/local-sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = "Ana Grader",
            ["role"] = "Grader",
            ["returnUrl"] = "/station",
            ["__RequestVerificationToken"] = formToken,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/station", signIn.Headers.Location!.OriginalString);

        var station = await client.GetStringAsync("/station");
        var pageToken = MetaToken().Match(station).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(pageToken));
        var item = await app.ApiClient().CreateItemAsync(ApiJson.UniquePlate());
        var uploadPath = $"/api/v1/returns/{item.GetProperty("id").GetString()}/photos";

        var forged = await client.PostAsync(uploadPath, ApiJson.PhotoForm(("a.jpg", TestPhotos.HalfRedHalfBlueJpeg(), "image/jpeg")));
        // A header that looks like a credential does not excuse a request signed in by its cookie (security pass,
        // 2026-12-05: "Authorization: Bearer junk" beside the cookie skipped the token check).
        var dressedUp = new HttpRequestMessage(HttpMethod.Post, uploadPath) { Content = ApiJson.PhotoForm(("b.jpg", TestPhotos.HalfRedHalfBlueJpeg(300, 200), "image/jpeg")) };
        dressedUp.Headers.TryAddWithoutValidation("Authorization", "Bearer junk");
        var withJunkBearer = await client.SendAsync(dressedUp);
        var genuine = new HttpRequestMessage(HttpMethod.Post, uploadPath) { Content = ApiJson.PhotoForm(("a.jpg", TestPhotos.HalfRedHalfBlueJpeg(), "image/jpeg")) };
        genuine.Headers.Add("RequestVerificationToken", System.Net.WebUtility.HtmlDecode(pageToken));
        var accepted = await client.SendAsync(genuine);

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, withJunkBearer.StatusCode);
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex HiddenToken();

    [GeneratedRegex("<meta name=\"grader-antiforgery\" content=\"([^\"]+)\"")]
    private static partial Regex MetaToken();
}
