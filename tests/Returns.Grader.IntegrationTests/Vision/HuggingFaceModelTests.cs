using System.Net;
using System.Text.Json;
using Returns.Grader.TestSupport;
using Returns.Grader.Vision.Inference;

namespace Returns.Grader.IntegrationTests.Vision;

/// <summary>A plain Hugging Face ViT classifier export (pixel_values → logits, config.json id2label) is a grade-only model.</summary>
public sealed class HuggingFaceModelTests
{
    private static readonly string Fixture = Path.Combine(RepositoryPaths.Root, "tests", "fixtures", "hf-vit-tiny");

    [Fact]
    public void HuggingFaceExport_LoadsAsAGradeOnlyModel_AndRunsTheSameNetwork()
    {
        using var model = GradeModel.Load(Fixture, new InferenceSettings(1, 1, 8));
        var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixture, "expected.json"))).RootElement
            .GetProperty("logits").EnumerateArray().Select(v => v.GetSingle()).ToArray();

        var output = model.Run([new float[Preprocessing.TensorLength(model.Manifest.Input)]])[0];
        var suggestion = model.Interpret(output, 640, 480);

        Assert.Equal(["LikeNew", "VeryGood", "Good", "Acceptable", "Unsellable"], model.Manifest.Grades);
        Assert.Equal((32, 32), (model.Manifest.Input.Height, model.Manifest.Input.Width));
        Assert.False(model.Manifest.HasDamageMap);
        Assert.Equal(ResizeSettings.DefaultMinDecodedFactor, model.Manifest.Input.Resize.MinDecodedFactor); // Hugging Face says nothing: the conservative rule
        Assert.Equal(expected.Length, output.GradeLogits.Length);
        Assert.All(expected.Zip(output.GradeLogits), pair => Assert.Equal(pair.First, pair.Second, 1e-4f));
        Assert.Null(output.DamageLogits);
        Assert.Empty(suggestion.Regions);
        Assert.Equal("Acceptable", suggestion.Grade); // the largest expected logit
    }

    [Fact]
    public async Task App_WithAHuggingFaceModel_SuggestsGradesWithoutRegions()
    {
        using var app = new GraderAppFactory();
        app.Settings["Grader:Vision:ModelDirectory"] = Fixture;
        var client = app.ApiClient();
        var id = (await client.CreateItemAsync(ApiJson.UniquePlate("HF"))).GetProperty("id").GetString();

        var response = await client.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("a.jpg", TestPhotos.PhotoLikeJpeg(640, 480), "image/jpeg")));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var suggestion = (await response.ReadJsonAsync()).GetProperty("photos")[0].GetProperty("suggestion");
        Assert.Equal("hf-vit-tiny@hf-4.46.0", suggestion.GetProperty("modelVersion").GetString());
        Assert.Equal(0, suggestion.GetProperty("damage").GetArrayLength());
    }

    [Fact]
    public void ModelFileThatDoesNotMatchItsManifest_IsRefused()
    {
        var folder = Path.Combine(Path.GetTempPath(), "grader-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            File.Copy(Path.Combine(Fixture, "model.onnx"), Path.Combine(folder, "model.onnx"));
            File.WriteAllText(Path.Combine(folder, "model.json"), """
                {"schema":"returns-grader-model-manifest","schema_version":"1.0","name":"x","version":"1","sha256":"00ff",
                 "input":{"name":"pixel_values","height":32,"width":32},"grades":["LikeNew","VeryGood","Good","Acceptable","Unsellable"]}
                """);

            var error = Assert.Throws<ModelLoadException>(() => GradeModel.Load(folder, InferenceSettings.Default));

            Assert.Contains("does not match its manifest", error.Message);
        }
        finally
        {
            GraderAppFactory.TryDelete(folder);
        }
    }
}
