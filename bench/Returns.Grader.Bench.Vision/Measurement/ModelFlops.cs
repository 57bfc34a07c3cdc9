using System.Text.Json;

namespace Returns.Grader.Bench.Vision.Measurement;

/// <summary>
/// FLOPs per image of the GraderViT network (models/training/model.py), counted from model.json's
/// architecture.config: the matrix work only (convolutions, linear layers, the two attention matmuls), 2 FLOPs per
/// multiply-add. LayerNorm, GELU, softmax and additions are left out (under 0.1 % here). The Python baseline counts
/// the same with torch.profiler as a check. A model with mirror averaging (test_time_hflip) runs the network twice per
/// image inside its graph, so its count doubles. A crop-to-item model (crop_to_item) first runs its localizer once
/// per image (3×3 stride-2 convolutions over the photo shrunk to localizer_size, then a two-layer MLP); its ViT sees
/// the crop at image_size. Cropping (GridSample) is not matrix work; bringing the damage map back onto the photo's grid
/// is: two small matrix products with explicit bilinear weights (model.py crop_map_to_frame), once per image after
/// the mirror average: damage types × frame_grid × crop map side × (crop map side + frame_grid) multiply-adds.
/// </summary>
public sealed record ModelFlops(long StemFlops, long LinearFlops, long AttentionFlops, string Config)
{
    public long Total => StemFlops + LinearFlops + AttentionFlops;

    public static ModelFlops? FromManifest(string modelDirectory)
    {
        var path = Path.Combine(modelDirectory, "model.json");
        if (!File.Exists(path))
        {
            return null;
        }
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        if (!json.RootElement.TryGetProperty("architecture", out var architecture) || !architecture.TryGetProperty("config", out var c))
        {
            return null;
        }
        var size = c.GetProperty("image_size").GetInt32();
        var patch = c.GetProperty("patch_size").GetInt32();
        var dim = c.GetProperty("dim").GetInt64();
        var depth = c.GetProperty("depth").GetInt32();
        var hidden = (long)(dim * c.GetProperty("mlp_ratio").GetDouble());
        var stem = c.GetProperty("stem_channels").EnumerateArray().Select(e => e.GetInt32()).ToList();
        var subdiv = c.GetProperty("damage_subdiv").GetInt32();
        var grades = c.GetProperty("num_grades").GetInt32();
        var damage = c.GetProperty("num_damage").GetInt32();

        var hybrid = c.TryGetProperty("stem", out var stemKind) && stemKind.GetString() == "resnet18";
        if (hybrid)
        {
            return Hybrid(c, size, patch, dim, depth, hidden, subdiv, grades, damage);
        }

        // ConvStem: log2(patch) 3×3 stride-2 convolutions; channels from stem_channels (doubled if too few), then → dim.
        var downs = (int)Math.Round(Math.Log2(patch));
        while (stem.Count < downs - 1)
        {
            stem.Add(stem[^1] * 2);
        }
        var channels = stem.Take(downs - 1).Select(x => (long)x).Append(dim).ToList();
        long stemMacs = 0, inChannels = 3, side = size;
        foreach (var outChannels in channels)
        {
            side = (side + 1) / 2;
            stemMacs += side * side * outChannels * inChannels * 9;
            inChannels = outChannels;
        }

        return Assemble(c, stemMacs, size, patch, dim, depth, hidden, subdiv, grades, damage,
            $"stem [{string.Join(", ", channels.SkipLast(1))}] → {dim}");
    }

    /// <summary>
    /// The hybrid stem (ADR 0026): ResNet-18's conv1 (7×7/2), max pool, then its stages (two basic blocks each, the first
    /// of stages 2 and 3 with a strided 1×1 shortcut) up to stem_stages, then a projection to dim. With mirror averaging
    /// at the features (hflip_at "features") the stem runs once per image, the transformer twice.
    /// </summary>
    private static ModelFlops Hybrid(JsonElement c, long size, int patch, long dim, int depth, long hidden, int subdiv, int grades, int damage)
    {
        var stages = c.TryGetProperty("stem_stages", out var s) ? s.GetInt32() : 3;
        long side = size / 2, macs = side * side * 64 * 3 * 49; // conv1
        side /= 2; // max pool
        long inChannels = 64;
        for (var stage = 0; stage < stages; stage++)
        {
            long outChannels = 64L << stage;
            if (stage > 0)
            {
                side /= 2;
                macs += side * side * outChannels * inChannels; // 1×1 shortcut
            }
            macs += side * side * outChannels * inChannels * 9;          // first block, first conv
            macs += 3 * side * side * outChannels * outChannels * 9;     // the other three 3×3 convs of the stage
            inChannels = outChannels;
        }
        var projection = patch / (size / side) is var k && k > 0 ? k : 1;
        macs += (size / patch) * (size / patch) * dim * inChannels * projection * projection;
        var stemOnce = c.TryGetProperty("hflip_at", out var at) && at.GetString() == "features";
        return Assemble(c, macs, size, patch, dim, depth, hidden, subdiv, grades, damage,
            $"ResNet-18 stem, {stages} stages ({inChannels} channels) → {dim}" + (stemOnce ? ", run once per image (mirrored at the features)" : ""),
            stemPasses: stemOnce ? 1 : null);
    }

    private static ModelFlops Assemble(JsonElement c, long stemMacs, long size, int patch, long dim, int depth, long hidden, int subdiv, int grades, int damage,
        string stemDescription, int? stemPasses = null)
    {
        long grid = size / patch, tokens = (grid * grid) + 1;
        var linearMacs = depth * tokens * ((dim * 3 * dim) + (dim * dim) + (2 * dim * hidden))
            + (dim * grades) + (grid * grid * dim * damage * subdiv * subdiv)
            + (c.TryGetProperty("grade_readout", out var readout) && readout.GetBoolean() ? (2 * damage * 64) + (64 * grades) : 0); // pooled damage → 64 → grades
        var attentionMacs = depth * 2 * tokens * tokens * dim; // q·kᵀ and attention·v over all heads
        var passes = c.TryGetProperty("test_time_hflip", out var mirror) && mirror.GetBoolean() ? 2 : 1;
        var (localizerConvMacs, localizerLinearMacs, localizer) = LocalizerMacs(c, damage, grid * subdiv);
        return new ModelFlops(2 * (((stemPasses ?? passes) * stemMacs) + localizerConvMacs), 2 * ((passes * linearMacs) + localizerLinearMacs), 2 * passes * attentionMacs,
            $"{size} px, patch {patch}, dim {dim}, depth {depth}, MLP {hidden}, {stemDescription}, {tokens} tokens"
            + (passes == 2 ? "; mirror averaging: every image runs twice, image and mirror image" : "") + localizer);
    }

    private static (long Conv, long Linear, string Description) LocalizerMacs(JsonElement c, long damageTypes, long cropMapSide)
    {
        if (!c.TryGetProperty("crop_to_item", out var crop) || !crop.GetBoolean())
        {
            return (0, 0, "");
        }
        long side = c.GetProperty("localizer_size").GetInt32(), inChannels = 3, conv = 0;
        var channels = c.GetProperty("localizer_channels").EnumerateArray().Select(e => e.GetInt64()).ToList();
        foreach (var outChannels in channels)
        {
            side = (side + 1) / 2;
            conv += side * side * outChannels * inChannels * 9;
            inChannels = outChannels;
        }
        var hidden = c.GetProperty("localizer_hidden").GetInt64();
        var frameGrid = c.GetProperty("frame_grid").GetInt64();
        var mapBack = damageTypes * frameGrid * cropMapSide * (cropMapSide + frameGrid);
        var linear = (inChannels * side * side * hidden) + (hidden * 4) + mapBack;
        return (conv, linear, $"; crop to the item: localizer on {c.GetProperty("localizer_size").GetInt32()} px of the {c.GetProperty("frame_size").GetInt32()} px photo, then the network on the crop");
    }
}
