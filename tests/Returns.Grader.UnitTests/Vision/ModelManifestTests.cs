using System.Text.Json.Nodes;
using Returns.Grader.Vision.Inference;

namespace Returns.Grader.UnitTests.Vision;

/// <summary>The manifest's optional familiarity section: read when present, unknown when absent, refused when it cannot work.</summary>
public sealed class ModelManifestTests
{
    private static JsonNode Manifest() => JsonNode.Parse("""
        {
          "schema": "returns-grader-model-manifest", "schema_version": "1.0", "name": "test-model", "version": "1.0.0",
          "input": { "name": "pixel_values", "height": 32, "width": 32 },
          "outputs": [
            { "name": "grade_logits", "dtype": "float32", "shape": ["batch", 5] },
            { "name": "familiarity", "dtype": "float32", "shape": ["batch"] }
          ],
          "grades": ["LikeNew", "VeryGood", "Good", "Acceptable", "Unsellable"],
          "familiarity": { "output": "familiarity", "threshold": -0.5, "prefill_min_confidence": 0.7, "method": "test" }
        }
        """)!;

    private static ModelManifest Parse(JsonNode json)
    {
        var manifest = ModelPackage.ParseManifest(json.ToJsonString(), "model.json");
        ModelPackage.Validate(manifest);
        return manifest;
    }

    private static string Refusal(Action<JsonNode> change)
    {
        var json = Manifest();
        change(json);
        return Assert.Throws<ModelLoadException>(() => Parse(json)).Message;
    }

    [Fact]
    public void FamiliaritySection_IsRead_AndAScoreAtTheThresholdIsFamiliar()
    {
        var familiarity = Parse(Manifest()).Familiarity!;

        Assert.Equal("familiarity", familiarity.Output);
        Assert.Equal(-0.5, familiarity.Threshold);
        Assert.Equal(0.7, familiarity.PrefillMinConfidence);
        Assert.True(familiarity.IsFamiliar(-0.5));
        Assert.True(familiarity.IsFamiliar(2.0));
        Assert.False(familiarity.IsFamiliar(-0.5001));
    }

    [Fact]
    public void WithoutTheSection_FamiliarityIsUnknown_AndTheManifestStillLoads()
    {
        var json = Manifest();
        json.AsObject().Remove("familiarity");

        var manifest = Parse(json);

        Assert.Null(manifest.Familiarity);
        Assert.False(manifest.HasFamiliarity);
    }

    [Fact]
    public void WithoutAPrefillConfidence_AnyConfidenceMayPrefill()
    {
        var json = Manifest();
        json["familiarity"]!.AsObject().Remove("prefill_min_confidence");

        Assert.Null(Parse(json).Familiarity!.PrefillMinConfidence);
    }

    [Theory]
    [InlineData("familiarity_score")]
    [InlineData("")]
    public void AnOutputTheManifestDoesNotList_IsRefused(string output) =>
        Assert.Contains($"familiarity output '{output}' is not one of the manifest's outputs (grade_logits, familiarity)",
            Refusal(json => json["familiarity"]!["output"] = output));

    [Theory]
    [InlineData("1e999")]   // parses as infinity
    [InlineData("\"NaN\"")] // numbers may be strings in a manifest
    [InlineData("null")]
    public void ANonFiniteOrMissingThreshold_IsRefused(string threshold) =>
        Assert.Contains("familiarity threshold must be a finite number",
            Refusal(json => json["familiarity"]!["threshold"] = JsonNode.Parse(threshold)));

    [Theory]
    [InlineData(1.5)]
    [InlineData(-0.1)]
    public void APrefillConfidenceOutsideZeroToOne_IsRefused(double confidence) =>
        Assert.Contains("familiarity prefill_min_confidence must be between 0 and 1",
            Refusal(json => json["familiarity"]!["prefill_min_confidence"] = confidence));
}
