using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;

namespace Returns.Grader.IntegrationTests.Vision;

/// <summary>The real app with the shipped model: every uploaded photo gets a stored, returned suggestion.</summary>
public sealed class SuggestionApiTests(GraderAppFactory app) : IClassFixture<GraderAppFactory>
{
    private static readonly string[] Grades = ["LikeNew", "VeryGood", "Good", "Acceptable", "Unsellable"];

    [Fact]
    public async Task Upload_AnswersEachPhotoWithTheModelsSuggestion_AndStoresThePrediction()
    {
        var client = app.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate("AI"))).GetProperty("id").GetString()!;

        var response = await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(
            ("a.jpg", TestPhotos.PhotoLikeJpeg(1200, 900, seed: 3), "image/jpeg"),
            ("b.jpg", TestPhotos.PhotoLikeJpeg(900, 1200, seed: 4), "image/jpeg")));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var photos = (await response.ReadJsonAsync()).GetProperty("photos");
        foreach (var photo in photos.EnumerateArray())
        {
            var suggestion = photo.GetProperty("suggestion");
            Assert.Contains(suggestion.GetProperty("grade").GetString(), Grades);
            var probabilities = suggestion.GetProperty("probabilities").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
            Assert.Equal(Grades.Order(), probabilities.Keys.Order());
            Assert.Equal(1.0, probabilities.Values.Sum(), 6);
            Assert.Equal(probabilities[suggestion.GetProperty("grade").GetString()!], suggestion.GetProperty("confidence").GetDouble(), 9);
            Assert.StartsWith("grader-vit-v1@", suggestion.GetProperty("modelVersion").GetString());
            foreach (var damage in suggestion.GetProperty("damage").EnumerateArray())
            {
                var box = damage.GetProperty("box").EnumerateArray().Select(b => b.GetInt32()).ToArray();
                Assert.True(box[0] >= 0 && box[1] >= 0 && box[0] + box[2] <= photo.GetProperty("width").GetInt32() && box[1] + box[3] <= photo.GetProperty("height").GetInt32());
            }
        }

        var factory = app.Services.GetRequiredService<IDbContextFactory<GraderDb>>();
        await using var db = await factory.CreateDbContextAsync();
        var photoIds = photos.EnumerateArray().Select(p => Guid.Parse(p.GetProperty("photoId").GetString()!)).ToList();
        var stored = await db.Predictions.Where(p => photoIds.Contains(p.PhotoId)).ToListAsync();
        Assert.Equal(2, stored.Count);
        Assert.All(stored, p => Assert.True(p.LatencyMs > 0 && !p.IsShadow && p.ProbabilitiesJson.Contains("LikeNew", StringComparison.Ordinal)));

        var item = await (await client.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        var itemSuggestion = item.GetProperty("suggestion");
        Assert.Equal(JsonValueKind.Object, itemSuggestion.ValueKind);
        Assert.Contains(itemSuggestion.GetProperty("grade").GetString(), Grades);
    }

    [Fact]
    public async Task Readiness_NamesTheModelInUse()
    {
        var ready = await (await app.CreateClient().GetAsync("/readyz")).ReadJsonAsync();

        var vision = ready.GetProperty("checks").GetProperty("vision");
        Assert.Equal("Healthy", vision.GetProperty("status").GetString());
        Assert.Contains("grader-vit-v1@", vision.GetProperty("description").GetString());
    }
}

/// <summary>No usable model: the app starts in manual mode, says so, and grading goes on.</summary>
public sealed class ManualModeTests : IClassFixture<ManualModeTests.BrokenModelApp>
{
    public sealed class BrokenModelApp : GraderAppFactory
    {
        public BrokenModelApp()
        {
            // A model folder whose ONNX file is garbage: loading fails, the app must not.
            var broken = Path.Combine(DataDirectory, "broken-model");
            Directory.CreateDirectory(broken);
            File.Copy(Path.Combine(RepositoryPaths.ShippedModel, "model.json"), Path.Combine(broken, "model.json"));
            File.WriteAllBytes(Path.Combine(broken, "model.onnx"), [1, 2, 3, 4]);
            Settings["Grader:Vision:ModelDirectory"] = broken;
        }
    }

    private readonly BrokenModelApp _app;

    public ManualModeTests(BrokenModelApp app) => _app = app;

    [Fact]
    public async Task BrokenModel_StartsInManualMode_ReadinessSaysSo_AndGradingGoesOn()
    {
        var ready = await _app.CreateClient().GetAsync("/readyz");
        var client = _app.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate("MAN"))).GetProperty("id").GetString()!;
        var upload = await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("a.jpg", TestPhotos.HalfRedHalfBlueJpeg(), "image/jpeg")));
        var grade = await client.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "LikeNew", disposition = "restock" });

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var vision = (await ready.ReadJsonAsync()).GetProperty("checks").GetProperty("vision");
        Assert.Equal("Degraded", vision.GetProperty("status").GetString());
        Assert.StartsWith("Manual mode", vision.GetProperty("description").GetString());
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await upload.ReadJsonAsync()).GetProperty("photos")[0].GetProperty("suggestion").ValueKind);
        Assert.Equal(HttpStatusCode.Created, grade.StatusCode);
    }

    /// <summary>With no active model the comparison's missing model is the baseline; the problem named "candidate".</summary>
    [Fact]
    public async Task InManualMode_TheComparison_NamesTheMissingBaseline()
    {
        var response = await _app.ApiClient("dev-data").GetAsync("/api/v1/models/comparison?candidate=someone@1");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadJsonAsync()).GetProperty("errors");
        Assert.Contains("no model is active", errors.GetProperty("baseline")[0].GetString(), StringComparison.Ordinal);
        // the candidate is named only for what is wrong with it: not registered, not "no model runs in shadow"
        Assert.Equal("No model someone@1 is registered; GET /api/v1/models lists them.", errors.GetProperty("candidate")[0].GetString());
    }
}
