using System.Text.Json;
using Returns.Grader.TestSupport;
using Returns.Grader.Vision.Inference;

namespace Returns.Grader.IntegrationTests.Vision;

/// <summary>
/// A model with an item_size rule (tests/fixtures/tiny-item-size, written by the training code's export): ONNX Runtime
/// gives the item box PyTorch computed, and the suggestion carries its share and the rule's verdict, on a rule that calls
/// every item too small (the shipped model's rule, since 4.2.0, is covered by the golden test).
/// </summary>
public sealed class ItemBoxOutputTests
{
    private static readonly string Fixture = Path.Combine(RepositoryPaths.Root, "tests", "fixtures", "tiny-item-size");

    [Fact]
    public void TheItemBox_IsPyTorchs_AndItsShareIsJudgedByTheManifestsRule()
    {
        using var model = GradeModel.Load(Fixture, new InferenceSettings(1, 1, 8));
        var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixture, "expected.json"))).RootElement
            .GetProperty("item_box").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        var input = model.Manifest.Input;
        // the test card of export.pattern_image, normalised as the manifest says
        var tensor = new float[Preprocessing.TensorLength(input)];
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < input.Height; y++)
            {
                for (var x = 0; x < input.Width; x++)
                {
                    var u8 = (7 * x + 13 * y + 50 * c + x * y % 31) % 256;
                    tensor[(c * input.Height + y) * input.Width + x] = (u8 / 255f - input.Mean[c]) / input.Std[c];
                }
            }
        }

        var output = model.Run([tensor, tensor])[1]; // a batch of two: the box of the second photo is its own slice
        var suggestion = model.Interpret(output, 640, 480);

        Assert.Equal(0.99, model.Manifest.ItemSize!.TooSmallBelow);
        Assert.Equal(4, output.ItemBox!.Length);
        Assert.All(expected.Zip(output.ItemBox), pair => Assert.Equal(pair.First, pair.Second, 1e-4f));
        Assert.Equal(ItemSizeSettings.ShareOf(output.ItemBox), suggestion.ItemShare!.Value, 1e-9);
        Assert.True(suggestion.ItemTooSmall);
    }

    /// <summary>The same graph (an item_box output and all) with its manifest's item_size section taken out: the box is
    /// not read and the suggestion says nothing about the item's size (ADR 0029: no rule, no guess).</summary>
    [Fact]
    public void AModelWithoutTheRule_SaysNothingAboutItemSize()
    {
        var folder = Directory.CreateTempSubdirectory("grader-no-rule-");
        try
        {
            File.Copy(Path.Combine(Fixture, "model.onnx"), Path.Combine(folder.FullName, "model.onnx"));
            var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Fixture, "model.json")))!.AsObject();
            Assert.True(manifest.Remove("item_size"));
            File.WriteAllText(Path.Combine(folder.FullName, "model.json"), manifest.ToJsonString());
            using var model = GradeModel.Load(folder.FullName, new InferenceSettings(1, 1, 8));
            var output = model.Run([new float[Preprocessing.TensorLength(model.Manifest.Input)]])[0];
            var suggestion = model.Interpret(output, 640, 480);

            Assert.Null(model.Manifest.ItemSize);
            Assert.Null(output.ItemBox);
            Assert.Null(suggestion.ItemShare);
            Assert.Null(suggestion.ItemTooSmall);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
