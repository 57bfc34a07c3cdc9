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

    /// <summary>Present but null passed `required` and ended as a NullReferenceException in Validate.</summary>
    [Theory]
    [InlineData("input")]
    [InlineData("grades")]
    [InlineData("outputs")]
    [InlineData("name")]
    public void AFieldSentAsNull_IsRefused_NamingIt(string field)
    {
        Assert.Equal($"model.json has null where a value is needed, at $.{field}.", Refusal(json => json[field] = null));
    }

    /// <summary>A null item in a list: the annotations do not reach a list's items, and Validate met a null output.</summary>
    [Theory]
    [InlineData("outputs", 1)]
    [InlineData("grades", 2)]
    public void ANullItemInAList_IsRefused_NamingIt(string field, int index)
    {
        Assert.Equal($"model.json has null where a value is needed, at $.{field}[{index}].", Refusal(json => json[field]![index] = null));
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

    private static JsonNode WithItemSize(double tooSmallBelow = 0.04)
    {
        var json = Manifest();
        json["outputs"]!.AsArray().Add(JsonNode.Parse("""{ "name": "item_box", "dtype": "float32", "shape": ["batch", 4] }"""));
        json["item_size"] = new JsonObject { ["output"] = "item_box", ["too_small_below"] = tooSmallBelow, ["rule"] = "test" };
        return json;
    }

    [Fact]
    public void ItemSizeSection_IsRead_AndABoxUnderTheShareIsTooSmall()
    {
        var itemSize = Parse(WithItemSize(0.04)).ItemSize!;

        Assert.Equal("item_box", itemSize.Output);
        Assert.Equal(0.04, itemSize.TooSmallBelow);
        // a box 0.1 x 0.3 of the photo covers 0.03 of it; 0.2 x 0.2 covers 0.04, which is not under the rule
        Assert.True(itemSize.IsTooSmall(ItemSizeSettings.ShareOf([0.5f, 0.2f, 0.6f, 0.5f])));
        Assert.False(itemSize.IsTooSmall(ItemSizeSettings.ShareOf([0.1f, 0.1f, 0.3f, 0.3f])));
    }

    [Fact]
    public void ABoxReachingOffThePhoto_CountsOnlyWhatIsOnIt_AndAnUpsideDownBoxCoversNothing()
    {
        Assert.Equal(0.25, ItemSizeSettings.ShareOf([-0.5f, -0.5f, 0.5f, 0.5f]), 6);
        Assert.Equal(0, ItemSizeSettings.ShareOf([0.6f, 0.6f, 0.4f, 0.4f]));
    }

    [Fact]
    public void ARuleWithoutMinPhotos_JudgesEachPhoto_AndMinPhotosIsRead()
    {
        Assert.Equal(1, Parse(WithItemSize()).ItemSize!.MinPhotos);
        var json = WithItemSize();
        json["item_size"]!["min_photos"] = 2;
        Assert.Equal(2, Parse(json).ItemSize!.MinPhotos);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(11)]
    public void MinPhotosOutsideOneToTen_IsRefused(int photos)
    {
        var json = WithItemSize();
        json["item_size"]!["min_photos"] = photos;
        Assert.Contains("item_size min_photos must be a number of photos from 1 to 10", Assert.Throws<ModelLoadException>(() => Parse(json)).Message);
    }

    [Fact]
    public void WithoutTheItemSizeSection_ItemSizeIsUnknown() => Assert.Null(Parse(Manifest()).ItemSize);

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    public void ATooSmallShareOutsideZeroToOne_IsRefused(double share)
    {
        var json = WithItemSize(share);
        Assert.Contains("item_size too_small_below must be a share of the photo between 0 and 1",
            Assert.Throws<ModelLoadException>(() => Parse(json)).Message);
    }

    [Fact]
    public void AnItemBoxOutputTheManifestDoesNotList_IsRefused()
    {
        var json = WithItemSize();
        json["item_size"]!["output"] = "box";
        Assert.Contains("item_size output 'box' is not one of the manifest's outputs (grade_logits, familiarity, item_box)",
            Assert.Throws<ModelLoadException>(() => Parse(json)).Message);
    }
}
