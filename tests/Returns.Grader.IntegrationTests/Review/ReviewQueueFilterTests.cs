using System.Net;
using System.Net.Http.Json;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;

namespace Returns.Grader.IntegrationTests.Review;

/// <summary>
/// The queue's search (issue 17): part of a licence plate, and the grader by part of their name in any case, on both
/// providers (PostgreSQL compares text case-sensitively unless the query lowers both sides).
/// </summary>
public sealed class ReviewQueueFilterTests(GraderAppsByProvider apps) : IClassFixture<GraderAppsByProvider>
{
    [Theory, OnSqlite, OnPostgres]
    public async Task Queue_FindsATaskByPartOfItsPlate_AndByPartOfTheGradersName(DatabaseProvider provider)
    {
        var app = apps[provider];
        var grader = app.ApiClient("dev-grader");
        var supervisor = app.ApiClient("dev-supervisor");
        var plate = ApiJson.UniquePlate("QF");
        var id = (await grader.CreateItemAsync(plate, unitValue: 900m)).GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.Created, (await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "Good", disposition = "resell_used", damage = new[] { new { type = "dent" } } })).StatusCode);
        var middle = plate[3..9].ToLowerInvariant(); // part of the plate, typed in lower case

        var byPlate = await (await supervisor.GetAsync($"/api/v1/review-queue?plate={middle}")).ReadJsonAsync();
        var byName = await (await supervisor.GetAsync($"/api/v1/review-queue?plate={plate}&associate=DEV-GRADER%20(DEV")).ReadJsonAsync();
        var byOtherName = await (await supervisor.GetAsync($"/api/v1/review-queue?plate={plate}&associate=supervisor")).ReadJsonAsync();
        var byId = await (await supervisor.GetAsync($"/api/v1/review-queue?plate={plate}&associate=apikey:dev-grader")).ReadJsonAsync();

        var task = Assert.Single(byPlate.EnumerateArray());
        Assert.Equal(plate, task.GetProperty("returnId").GetString());
        Assert.Equal("dev-grader (development key)", task.GetProperty("gradedByName").GetString());
        Assert.Single(byName.EnumerateArray());
        Assert.Empty(byOtherName.EnumerateArray());
        Assert.Single(byId.EnumerateArray());
    }

    /// <summary>
    /// The queue a page at a time (API pass, 2026-12-05: it stopped at 100 without a word and could not be paged), and
    /// the category in any case ("kitchen" found nothing).
    /// </summary>
    [Theory, OnSqlite, OnPostgres]
    public async Task Queue_IsPaged_SayingHowManyMatch_AndFindsTheCategoryInAnyCase(DatabaseProvider provider)
    {
        var app = apps[provider];
        var grader = app.ApiClient("dev-grader");
        var supervisor = app.ApiClient("dev-supervisor");
        var category = "Pg" + Guid.NewGuid().ToString("N")[..6];
        for (var i = 0; i < 3; i++)
        {
            var id = (await grader.CreateItemAsync(ApiJson.UniquePlate("QP"), unitValue: 900m, category: category)).GetProperty("id").GetString();
            Assert.Equal(HttpStatusCode.Created, (await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used" })).StatusCode);
        }

        var first = await supervisor.GetAsync($"/api/v1/review-queue?category={category.ToLowerInvariant()}%20&take=2");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("3", first.Headers.GetValues("X-Total-Count").Single());
        Assert.Equal(2, (await first.ReadJsonAsync()).GetArrayLength());
        var next = first.Headers.GetValues("Link").Single();
        Assert.Matches("^<(/api/v1/review-queue\\?[^>]*skip=2[^>]*)>; rel=\"next\"$", next);

        var second = await supervisor.GetAsync(next[1..next.IndexOf('>', StringComparison.Ordinal)]);
        var seen = (await first.ReadJsonAsync()).EnumerateArray().Concat((await second.ReadJsonAsync()).EnumerateArray()).Select(t => t.GetProperty("taskId").GetString()).ToList();
        Assert.Equal(3, seen.Distinct().Count());
        Assert.False(second.Headers.Contains("Link"));
        Assert.Equal(HttpStatusCode.BadRequest, (await supervisor.GetAsync("/api/v1/review-queue?take=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await supervisor.GetAsync("/api/v1/review-queue?skip=-1")).StatusCode);
    }
}
