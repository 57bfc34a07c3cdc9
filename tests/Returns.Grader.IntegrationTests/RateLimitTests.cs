using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Returns.Grader.TestSupport;

namespace Returns.Grader.IntegrationTests;

/// <summary>
/// Rate limits over real HTTP with small limits (the defaults and why they are safe for a station are in
/// RateLimitOptions and the browser test that measures a station): the request past a limit is 429 problem+json with
/// Retry-After, stores nothing, and does not touch other users' budgets.
/// </summary>
public sealed class RateLimitTests : IClassFixture<RateLimitTests.TightLimitsApp>
{
    /// <summary>Two of each per user (four new items, one export, one model change), two sign-ins and three failed keys per address.</summary>
    public sealed class TightLimitsApp : GraderAppFactory
    {
        public TightLimitsApp()
        {
            foreach (var (name, burst) in new[] { ("Uploads", 2), ("Grades", 2), ("Items", 4), ("Exports", 1), ("ModelChanges", 1), ("SignIns", 2), ("FailedCredentials", 3) })
            {
                Settings[$"Grader:RateLimits:{name}Burst"] = burst.ToString(System.Globalization.CultureInfo.InvariantCulture);
                Settings[$"Grader:RateLimits:{name}PerMinute"] = "1"; // nothing comes back within a test
            }
        }
    }

    private readonly TightLimitsApp _app;

    public RateLimitTests(TightLimitsApp app) => _app = app;

    [Fact]
    public async Task ThirdGradeInABurst_Is429WithRetryAfter_NothingStored_AndAnotherUserIsUnaffected()
    {
        var grader = _app.ApiClient("dev-grader");
        var items = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            items.Add((await grader.CreateItemAsync(ApiJson.UniquePlate())).GetProperty("id").GetString()!);
        }
        var grade = new { grade = "Good", disposition = "resell_used", damage = new[] { new { type = "dent" } } };

        Assert.Equal(HttpStatusCode.Created, (await grader.PostAsJsonAsync($"/api/v1/returns/{items[0]}/grade", grade)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await grader.PostAsJsonAsync($"/api/v1/returns/{items[1]}/grade", grade)).StatusCode);
        var refused = await grader.PostAsJsonAsync($"/api/v1/returns/{items[2]}/grade", grade);

        await AssertTooManyRequestsAsync(refused, "grades");
        var item = await (await grader.GetAsync($"/api/v1/returns/{items[2]}")).ReadJsonAsync();
        Assert.Equal(0, item.GetProperty("decisions").GetArrayLength());
        // Budgets are per user: a supervisor's key grades the same item.
        Assert.Equal(HttpStatusCode.Created, (await _app.ApiClient("dev-supervisor").PostAsJsonAsync($"/api/v1/returns/{items[2]}/grade", grade)).StatusCode);
        // Reading is not limited.
        Assert.Equal(HttpStatusCode.OK, (await grader.GetAsync($"/api/v1/returns/{items[2]}")).StatusCode);
    }

    [Fact]
    public async Task FifthNewItemInABurst_Is429_AndIsNotCreated()
    {
        // An app of its own: the other tests of this class create items with the same key.
        await using var app = new TightLimitsApp();
        var grader = app.ApiClient("dev-grader");
        for (var i = 0; i < 4; i++)
        {
            await grader.CreateItemAsync(ApiJson.UniquePlate("RL"));
        }
        var plate = ApiJson.UniquePlate("RL");

        var refused = await grader.PostAsJsonAsync("/api/v1/returns", new { returnId = plate, sku = "S", title = "T", category = "C", unitValue = 1m });

        await AssertTooManyRequestsAsync(refused, "items");
        Assert.Equal(HttpStatusCode.NotFound, (await grader.GetAsync($"/api/v1/returns?returnId={plate}")).StatusCode);
    }

    [Fact]
    public async Task ThirdUploadInABurst_Is429_AndNoPhotoIsKept()
    {
        var client = _app.ApiClient("dev-admin");
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate())).GetProperty("id").GetString();
        // Three different photos (the same one sent again would be the one already kept).
        Task<HttpResponseMessage> UploadAsync(int width) => client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("a.jpg", TestPhotos.HalfRedHalfBlueJpeg(width, 200), "image/jpeg")));

        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(400)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(402)).StatusCode);
        await AssertTooManyRequestsAsync(await UploadAsync(404), "uploads");
        var item = await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        Assert.Equal(2, item.GetProperty("photos").GetArrayLength());
    }

    [Fact]
    public async Task SecondExportAndSecondModelChange_Are429()
    {
        var data = _app.ApiClient("dev-data");

        Assert.Equal(HttpStatusCode.Accepted, (await data.PostAsJsonAsync("/api/v1/exports", new { labels = "all" })).StatusCode);
        await AssertTooManyRequestsAsync(await data.PostAsJsonAsync("/api/v1/exports", new { labels = "all" }), "exports");

        // The first model change is answered on its merits (nothing to roll back to), the second is not looked at.
        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await data.PostAsync("/api/v1/models/rollback", null)).StatusCode);
        await AssertTooManyRequestsAsync(await data.PostAsync("/api/v1/models/rollback", null), "model-changes");
    }

    [Fact]
    public async Task ThirdSignInFromOneAddress_Is429()
    {
        var client = _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        FormUrlEncodedContent Form() => new(new Dictionary<string, string> { ["name"] = "Guess", ["role"] = "Admin" });

        // Without the form's antiforgery token the first two are refused on their merits; the third is not looked at.
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/account/local-sign-in", Form())).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/account/local-sign-in", Form())).StatusCode);
        await AssertTooManyRequestsAsync(await client.PostAsync("/account/local-sign-in", Form()), "sign-ins");
    }

    [Fact]
    public async Task AfterThreeWrongKeysFromOneAddress_EvenAKnownKeyIs429UntilTheBudgetRefills()
    {
        // An app of its own: the in-process test client has one address, which this test locks out.
        await using var app = new TightLimitsApp();
        Assert.Equal(HttpStatusCode.OK, (await app.ApiClient("dev-supervisor").GetAsync("/api/v1/review-queue")).StatusCode);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await app.ApiClient($"guess-{i}").GetAsync("/api/v1/review-queue")).StatusCode);
        }

        await AssertTooManyRequestsAsync(await app.ApiClient("guess-4").GetAsync("/api/v1/review-queue"), "failed-credentials");
        await AssertTooManyRequestsAsync(await app.ApiClient("dev-supervisor").GetAsync("/api/v1/review-queue"), "failed-credentials");
        // Requests without credentials are not what this limit is about.
        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/healthz")).StatusCode);
    }

    private static async Task AssertTooManyRequestsAsync(HttpResponseMessage response, string limit)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.True(retryAfter.Value >= TimeSpan.FromSeconds(1), $"Retry-After {retryAfter}");
        var problem = await response.ReadJsonAsync();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal("https://tools.ietf.org/html/rfc6585#section-4", problem.GetProperty("type").GetString()); // like every other problem
        Assert.Equal(limit, problem.GetProperty("limit").GetString());
        Assert.Equal((int)retryAfter.Value.TotalSeconds, problem.GetProperty("retryAfterSeconds").GetInt32());
    }
}
