using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Returns.Grader.TestSupport;

namespace Returns.Grader.IntegrationTests.Vision;

/// <summary>
/// The shipped model says whether it has seen photos like the one uploaded: a sample photo from its own test split is
/// familiar, a photo unlike anything it knows is not, and an item is familiar only when all its photos are. The
/// threshold is read from the model's manifest, never written here.
/// </summary>
public sealed class FamiliarityTests(GraderAppFactory app) : IClassFixture<GraderAppFactory>
{
    private static readonly double Threshold = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.ShippedModel, "model.json")))
        .RootElement.GetProperty("familiarity").GetProperty("threshold").GetDouble();

    private static byte[] SamplePhoto => File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "models", "samples", "01-likenew.jpg"));

    private static async Task<JsonElement> UploadAsync(HttpClient client, string itemId, string fileName, byte[] bytes, string contentType)
    {
        var response = await client.PostAsync($"/api/v1/returns/{itemId}/photos", ApiJson.PhotoForm((fileName, bytes, contentType)));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.ReadJsonAsync()).GetProperty("photos")[0].GetProperty("suggestion");
    }

    [Fact]
    public async Task APhotoLikeTheTrainingPhotos_IsFamiliar_APhotoUnlikeAnyIsNot_AndMakesItsItemUnfamiliar()
    {
        var client = app.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate("FAM"))).GetProperty("id").GetString()!;

        var sample = await UploadAsync(client, id, "01-likenew.jpg", SamplePhoto, "image/jpeg");
        Assert.True(sample.GetProperty("familiar").GetBoolean());
        Assert.True(sample.GetProperty("familiarityScore").GetDouble() >= Threshold);
        var familiarItem = (await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("suggestion");
        Assert.True(familiarItem.GetProperty("familiar").GetBoolean());

        var checkerboard = await UploadAsync(client, id, "checkerboard.png", TestPhotos.ColourCheckerboardPng(), "image/png");
        Assert.False(checkerboard.GetProperty("familiar").GetBoolean());
        Assert.True(checkerboard.GetProperty("familiarityScore").GetDouble() < Threshold);

        var item = (await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("suggestion");
        Assert.False(item.GetProperty("familiar").GetBoolean());
        Assert.Equal(checkerboard.GetProperty("familiarityScore").GetDouble(), item.GetProperty("familiarityScore").GetDouble(), 9); // the least familiar photo's
    }

    [Fact]
    public async Task AnUnfamiliarItem_IsNotRoutedToReview_ByDefault() =>
        Assert.DoesNotContain("Unfamiliar", await ReasonsForGradedCheckerboardAsync(app));

    [Fact]
    public async Task AnUnfamiliarItem_IsRoutedToReview_WhenRouteUnfamiliarIsOn()
    {
        using var routing = new GraderAppFactory();
        routing.Settings["Grader:Review:RouteUnfamiliar"] = "true";

        Assert.Contains("Unfamiliar", await ReasonsForGradedCheckerboardAsync(routing));
    }

    private static async Task<List<string>> ReasonsForGradedCheckerboardAsync(GraderAppFactory factory)
    {
        var client = factory.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate("FAM"))).GetProperty("id").GetString()!;
        var suggestion = await UploadAsync(client, id, "checkerboard.png", TestPhotos.ColourCheckerboardPng(), "image/png");
        Assert.False(suggestion.GetProperty("familiar").GetBoolean());

        var graded = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "LikeNew", disposition = "restock" });

        Assert.Equal(HttpStatusCode.Created, graded.StatusCode);
        var item = await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        return item.GetProperty("reviews").EnumerateArray().SelectMany(r => r.GetProperty("reasons").EnumerateArray().Select(x => x.GetString()!)).ToList();
    }
}
