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
}
