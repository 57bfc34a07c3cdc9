using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;

namespace Returns.Grader.IntegrationTests;

/// <summary>
/// A database held by another writer past the busy timeout (the embedded SQLite file with a second writer; a server's
/// lock or failover) answers 503 problem+json with Retry-After, not 500; nothing of the request is kept, and the same
/// request sent again once the database is free is kept. The test holds the write lock itself, so nothing depends on
/// timing but the app's one-second busy timeout.
/// </summary>
public sealed class BusyDatabaseTests : IClassFixture<BusyDatabaseTests.OneSecondBusyTimeoutApp>
{
    /// <summary>The embedded default's file, with a busy timeout of one second instead of 30.</summary>
    public sealed class OneSecondBusyTimeoutApp : GraderAppFactory
    {
        public OneSecondBusyTimeoutApp() => SqliteBusyTimeoutSeconds = 1;
    }

    private readonly OneSecondBusyTimeoutApp _app;

    public BusyDatabaseTests(OneSecondBusyTimeoutApp app) => _app = app;

    [Fact]
    public async Task GradeWhileAnotherWriterHoldsTheDatabase_Is503WithRetryAfter_NothingIsKept_AndTheSameGradeLaterIsKept()
    {
        var client = _app.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate())).GetProperty("id").GetString();
        var grade = new { grade = "Good", disposition = "resell_used", damage = new[] { new { type = "dent" } } };

        HttpResponseMessage refused;
        await using (await HeldWriteLock.TakeAsync(_app.DatabasePath))
        {
            refused = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", grade);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter?.Delta);
        var problem = await refused.ReadJsonAsync();
        Assert.Equal("database_busy", problem.GetProperty("reason").GetString());
        Assert.Contains("Nothing of this request was kept", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var item = await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        Assert.Equal(0, item.GetProperty("decisions").GetArrayLength());

        var kept = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", grade);

        Assert.True(kept.IsSuccessStatusCode, $"the same grade once the database is free: {(int)kept.StatusCode}");
        item = await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        Assert.Equal(1, item.GetProperty("decisions").GetArrayLength());
    }

    /// <summary>Endpoints that commit task by task or in two steps are never told "nothing was kept" (ADR 0033).</summary>
    [Theory]
    [InlineData("/api/v1/review-queue/approve-agreeing")]
    [InlineData("/api/v1/models")]
    public void EndpointsThatCommitInSteps_AreMarked_SoABusyDatabaseThereStaysA500(string route)
    {
        var endpoints = _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => "/" + e.RoutePattern.RawText?.Trim('/') == route
                        && e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains("POST") == true)
            .ToList();

        Assert.Single(endpoints);
        Assert.NotNull(endpoints[0].Metadata.GetMetadata<Returns.Grader.Web.Infrastructure.CommitsInSteps>());
    }

    [Fact]
    public async Task AFaultThatWaitingWillNotCure_StaysA500()
    {
        var client = _app.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate())).GetProperty("id").GetString();
        await using (await RefusedWrites.OnAsync(_app.DatabasePath, "GradeDecisions")) // "disk full": not a busy lock
        {
            var response = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used" });

            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Null(response.Headers.RetryAfter);
        }
    }
}
