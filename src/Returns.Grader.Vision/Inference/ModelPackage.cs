using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Returns.Grader.Vision.Inference;

/// <summary>
/// Finds and reads a model folder: our own manifest (model.json + model.onnx), or a plain Hugging Face ViT classifier
/// exported to ONNX (config.json with id2label, preprocessor_config.json, model.onnx), which becomes a grade-only model.
/// </summary>
public static class ModelPackage
{
    public static (ModelManifest Manifest, string OnnxPath) Read(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new ModelLoadException($"The model folder {directory} does not exist.");
        }
        var manifestPath = Path.Combine(directory, "model.json");
        var manifest = File.Exists(manifestPath)
            ? ReadManifest(manifestPath)
            : File.Exists(Path.Combine(directory, "config.json")) && File.Exists(Path.Combine(directory, "preprocessor_config.json"))
                ? ReadHuggingFace(directory)
                : throw new ModelLoadException($"{directory} has neither model.json nor a Hugging Face config.json + preprocessor_config.json.");

        // The manifest names a file of its own folder, nothing else: "/dev/zero" kept a core hashing until restart and
        // "../../../etc/passwd" answered with the start of that file's hash (security pass, 2026-12-05).
        if (!IsBareFileName(manifest.File))
        {
            throw new ModelLoadException($"The manifest's file '{manifest.File}' must be the name of a file in the model's folder (e.g. model.onnx), without a path.");
        }
        var onnxPath = Path.Combine(directory, manifest.File);
        if (!File.Exists(onnxPath) && File.Exists(Path.Combine(directory, "onnx", manifest.File)))
        {
            onnxPath = Path.Combine(directory, "onnx", manifest.File);
        }
        if (!File.Exists(onnxPath))
        {
            throw new ModelLoadException($"The model file {onnxPath} is missing.");
        }
        if (!string.IsNullOrEmpty(manifest.Sha256))
        {
            using var file = File.OpenRead(onnxPath);
            var actual = Convert.ToHexStringLower(SHA256.HashData(file));
            if (!string.Equals(actual, manifest.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new ModelLoadException($"{onnxPath} does not match its manifest (sha256 {actual[..12]}…, manifest says {manifest.Sha256[..Math.Min(12, manifest.Sha256.Length)]}…).");
            }
        }
        Validate(manifest);
        return (manifest, onnxPath);
    }

    /// <summary>A file name alone: not empty, no directory part, not "." or "..", no character a file name cannot have.</summary>
    public static bool IsBareFileName(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name is not ("." or "..") && name == Path.GetFileName(name)
        && name.IndexOfAny(['/', '\\', ':']) < 0 && name.IndexOfAny(Path.GetInvalidFileNameChars()) < 0;

    public static ModelManifest ReadManifest(string path) => ParseManifest(File.ReadAllText(path), path);

    /// <summary>A manifest from its JSON text; <paramref name="source"/> names it in messages. Not yet validated (see <see cref="Validate"/>).</summary>
    public static ModelManifest ParseManifest(string json, string source)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize<ModelManifest>(json, ModelManifest.JsonOptions)
                ?? throw new ModelLoadException($"{source} is empty.");
            // RespectNullableAnnotations checks the properties, not a list's items: "outputs": [null] went on to a
            // NullReferenceException in Validate (diff review, 2026-12-06).
            if (NullItem(manifest) is { } where)
            {
                throw new ModelLoadException($"{source} has null where a value is needed, at {where}.");
            }
            if (manifest.Schema != ModelManifest.SchemaName || !manifest.SchemaVersion.StartsWith("1.", StringComparison.Ordinal))
            {
                throw new ModelLoadException($"{source} is not a manifest this app understands (schema '{manifest.Schema}' {manifest.SchemaVersion}; expected {ModelManifest.SchemaName} 1.x).");
            }
            return manifest;
        }
        catch (JsonException e) when (MissingFields(e) is { } missing)
        {
            throw new ModelLoadException($"{source} lacks fields a manifest must have: {missing}.", e);
        }
        catch (JsonException e) when (e.Message.Contains("doesn't allow setting null values", StringComparison.Ordinal))
        {
            throw new ModelLoadException($"{source} has null where a value is needed{(string.IsNullOrEmpty(e.Path) ? "" : $", at {e.Path}")}.", e);
        }
        catch (JsonException e)
        {
            // The serializer's own text names .NET types ("JSON value could not be converted to System.Int32"); the place
            // in the file is what someone fixing it needs.
            var where = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1}{(string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $", at {e.Path}")})" : "";
            throw new ModelLoadException($"{source} is not a manifest in valid JSON{where}.", e);
        }
    }

    /// <summary>The JSON path of the first null item of the manifest's lists, if any.</summary>
    private static string? NullItem(ModelManifest manifest)
    {
        foreach (var (name, items) in new (string, IEnumerable<object?>)[] { ("outputs", manifest.Outputs), ("grades", manifest.Grades), ("damage_types", manifest.DamageTypes) })
        {
            var index = items.Select((item, i) => item is null ? i : -1).FirstOrDefault(i => i >= 0, -1);
            if (index >= 0)
            {
                return $"$.{name}[{index}]";
            }
        }
        return null;
    }

    /// <summary>The names in System.Text.Json's "missing required properties including: 'name', 'input'." message.</summary>
    private static string? MissingFields(JsonException e)
    {
        const string marker = "missing required properties including:";
        var at = e.Message.IndexOf(marker, StringComparison.Ordinal);
        return at < 0 ? null : string.Join(", ", e.Message[(at + marker.Length)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(name => name.Trim('\'', '.', ' ')));
    }

    private static ModelManifest ReadHuggingFace(string directory)
    {
        try
        {
            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "config.json")))!;
            var preprocessor = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "preprocessor_config.json")))!;
            var labels = config["id2label"]?.AsObject()
                .Select(pair => (Id: int.Parse(pair.Key, System.Globalization.CultureInfo.InvariantCulture), Label: pair.Value!.GetValue<string>()))
                .OrderBy(pair => pair.Id).Select(pair => pair.Label).ToList()
                ?? throw new ModelLoadException("config.json has no id2label.");
            var size = preprocessor["size"];
            var (height, width) = size switch
            {
                JsonObject o when o["height"] is not null => (o["height"]!.GetValue<int>(), o["width"]!.GetValue<int>()),
                JsonObject o when o["shortest_edge"] is not null => (o["shortest_edge"]!.GetValue<int>(), o["shortest_edge"]!.GetValue<int>()),
                JsonValue v => (v.GetValue<int>(), v.GetValue<int>()),
                _ => (224, 224),
            };
            var doNormalize = preprocessor["do_normalize"]?.GetValue<bool>() ?? true;
            float[] Floats(string key, float fallback) =>
                preprocessor[key]?.AsArray().Select(n => n!.GetValue<float>()).ToArray() ?? [fallback, fallback, fallback];
            return new ModelManifest
            {
                Schema = "huggingface-vit",
                Name = config["_name_or_path"]?.GetValue<string>() is { Length: > 0 } name ? Path.GetFileName(name) : Path.GetFileName(Path.GetFullPath(directory)),
                Version = config["transformers_version"]?.GetValue<string>() is { } transformers ? $"hf-{transformers}" : "hf",
                File = "model.onnx",
                Input = new ManifestInput
                {
                    Name = "pixel_values",
                    Height = height,
                    Width = width,
                    Scale = preprocessor["rescale_factor"]?.GetValue<float>() ?? 1f / 255f,
                    Mean = doNormalize ? Floats("image_mean", 0.5f) : [0f, 0f, 0f],
                    Std = doNormalize ? Floats("image_std", 0.5f) : [1f, 1f, 1f],
                },
                Outputs = [new ManifestOutput { Name = "logits" }],
                Grades = labels,
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw new ModelLoadException($"The Hugging Face config in {directory} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>Checks what the manifest alone can tell; what needs the network (output shapes) is checked when it loads.</summary>
    public static void Validate(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var problems = new List<string>();
        if (manifest.Input.Height <= 0 || manifest.Input.Width <= 0)
        {
            problems.Add("input height/width must be positive");
        }
        if (manifest.Input.Mean.Count != 3 || manifest.Input.Std.Count != 3 || manifest.Input.Std.Any(s => s == 0))
        {
            problems.Add("input mean and std need three values, std non-zero");
        }
        if (!manifest.Input.Resize.IsImplemented)
        {
            var resize = manifest.Input.Resize;
            problems.Add($"input resize (mode '{resize.Mode}', filter '{resize.Filter}', keep_aspect_ratio {resize.KeepAspectRatio.ToString().ToLowerInvariant()}, " +
                $"antialias {resize.Antialias.ToString().ToLowerInvariant()}) is not what this app does: it stretches the whole photo with an antialiased " +
                $"'{ResizeSettings.ImplementedFilter}' filter (mode '{ResizeSettings.ImplementedMode}', keep_aspect_ratio false, antialias true)");
        }
        if (manifest.Input.Resize.MinDecodedFactor < 1)
        {
            problems.Add("input resize min_decoded_factor must be at least 1 (a decoded image smaller than the input loses detail)");
        }
        if (manifest.Input.ChannelOrder is not ("RGB" or "BGR"))
        {
            problems.Add($"channel order {manifest.Input.ChannelOrder} is not RGB or BGR");
        }
        if (manifest.Grades.Count < 2)
        {
            problems.Add("at least two grades");
        }
        if (manifest.Calibration.Temperature <= 0)
        {
            problems.Add("calibration temperature must be positive");
        }
        if (manifest.DamageMap is { } map && (map.GridHeight <= 0 || map.GridWidth <= 0 || map.CellOrder != "row-major" || map.Activation != "sigmoid"))
        {
            problems.Add("damage map must be a positive row-major sigmoid grid");
        }
        if (manifest.ItemRule?.ConfidentDamageScore is { } score && score is < 0 or > 1)
        {
            problems.Add("item_rule confident_damage_score must be between 0 and 1 (or null for no rule)");
        }
        if (manifest.HasDamageMap && manifest.DamageTypes.Any(t => !manifest.Regions!.Thresholds.ContainsKey(t)))
        {
            problems.Add("every damage type needs a region threshold");
        }
        if (manifest.Familiarity is { } familiarity)
        {
            if (!manifest.Outputs.Any(o => o.Name == familiarity.Output))
            {
                problems.Add($"familiarity output '{familiarity.Output}' is not one of the manifest's outputs ({string.Join(", ", manifest.Outputs.Select(o => o.Name))})");
            }
            if (familiarity.Threshold is not { } threshold || !double.IsFinite(threshold))
            {
                problems.Add("familiarity threshold must be a finite number");
            }
            if (familiarity.PrefillMinConfidence is { } minimum && !(minimum is >= 0 and <= 1))
            {
                problems.Add("familiarity prefill_min_confidence must be between 0 and 1 (or null for any confidence)");
            }
        }
        if (manifest.ItemSize is { } itemSize)
        {
            if (!manifest.Outputs.Any(o => o.Name == itemSize.Output))
            {
                problems.Add($"item_size output '{itemSize.Output}' is not one of the manifest's outputs ({string.Join(", ", manifest.Outputs.Select(o => o.Name))})");
            }
            if (itemSize.TooSmallBelow is not { } below || !(below is > 0 and < 1))
            {
                problems.Add("item_size too_small_below must be a share of the photo between 0 and 1");
            }
            if (itemSize.MinPhotos is < 1 or > ItemSizeSettings.MostPhotos)
            {
                problems.Add($"item_size min_photos must be a number of photos from 1 to {ItemSizeSettings.MostPhotos}");
            }
        }
        if (problems.Count > 0)
        {
            throw new ModelLoadException($"Model {manifest.ModelVersion}: {string.Join("; ", problems)}.");
        }
    }
}
