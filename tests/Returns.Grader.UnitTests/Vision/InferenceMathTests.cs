using Returns.Grader.Vision.Inference;

namespace Returns.Grader.UnitTests.Vision;

public sealed class InferenceMathTests
{
    private static readonly string[] Types = ["scratch", "dent"];

    private static readonly RegionSettings Settings = new()
    {
        Thresholds = new Dictionary<string, double> { ["scratch"] = 0.5, ["dent"] = 0.5 },
        MinCells = new Dictionary<string, int> { ["scratch"] = 1, ["dent"] = 2 },
    };

    /// <summary>A 4×4 map of two types from a picture: 'S' = scratch cell, 'D' = dent cell, '.' = nothing.</summary>
    private static float[] Map(params string[] rows)
    {
        var map = new float[16 * 2];
        for (var r = 0; r < 4; r++)
        {
            for (var c = 0; c < 4; c++)
            {
                var cell = r * 4 + c;
                map[cell * 2] = rows[r][c] == 'S' ? 0.9f : 0.1f;
                map[cell * 2 + 1] = rows[r][c] == 'D' ? 0.8f : 0.1f;
            }
        }
        return map;
    }

    [Fact]
    public void DiagonalCells_AreOneComponent_AndBoxesAreScaledToThePhoto()
    {
        var map = Map(
            "S...",
            ".S..",
            "....",
            "...S");

        var regions = DamageRegions.Extract(map, 4, 4, Types, Settings, photoWidth: 400, photoHeight: 200);

        Assert.Equal(2, regions.Count);
        Assert.Equal(new SuggestedRegion("scratch", 0.9f, 0, 0, 200, 100), regions[0]);   // cells (0,0)-(1,1)
        Assert.Equal(new SuggestedRegion("scratch", 0.9f, 300, 150, 100, 50), regions[1]); // cell (3,3)
    }

    [Fact]
    public void ComponentsSmallerThanTheMinimum_AreDropped_PerType()
    {
        var map = Map(
            "D...",
            "....",
            "..DD",
            "....");

        var regions = DamageRegions.Extract(map, 4, 4, Types, Settings, 4, 4);

        var dent = Assert.Single(regions);
        Assert.Equal(("dent", 2, 2, 2, 1), (dent.Type, dent.X, dent.Y, dent.Width, dent.Height));
    }

    [Fact]
    public void WrongMapSize_IsRefused() =>
        Assert.Throws<ArgumentException>(() => DamageRegions.Extract(new float[5], 4, 4, Types, Settings, 4, 4));

    [Fact]
    public void Softmax_WithTemperature_FlattensButKeepsTheOrder()
    {
        var sharp = GradeModel.Softmax([2f, 1f, 0f], 1.0);
        var flat = GradeModel.Softmax([2f, 1f, 0f], 4.0);

        Assert.Equal(1.0, sharp.Sum(), 9);
        Assert.Equal(1.0, flat.Sum(), 9);
        Assert.True(sharp[0] > flat[0] && flat[0] > flat[1] && flat[1] > flat[2]);
        Assert.Equal(Math.Exp(2) / (Math.Exp(2) + Math.Exp(1) + 1), sharp[0], 9);
    }

    [Fact]
    public void Normalize_WritesPlanesInChannelOrder_WithTheManifestsMeanAndStd()
    {
        var input = new ManifestInput { Height = 1, Width = 2, Scale = 1f / 255f, Mean = [0.5f, 0.25f, 0f], Std = [0.5f, 0.25f, 1f] };
        byte[] rgb = [255, 0, 51, 0, 255, 102];
        var tensor = new float[6];

        Preprocessing.Normalize(rgb, 3, input, tensor);

        Assert.Equal([1f, -1f, -1f, 3f, 0.2f, 0.4f], tensor.Select(v => MathF.Round(v, 5)));
    }

    [Fact]
    public void Normalize_Bgr_SwapsTheFirstAndLastPlanes()
    {
        var input = new ManifestInput { Height = 1, Width = 1, ChannelOrder = "BGR", Scale = 1f, Mean = [0, 0, 0], Std = [1, 1, 1] };
        var tensor = new float[3];

        Preprocessing.Normalize([10, 20, 30], 3, input, tensor);

        Assert.Equal([30f, 20f, 10f], tensor);
    }
}
