using System.Text.Json;
using System.Text.Json.Serialization;

namespace Returns.Grader.Vision.Inference;

/// <summary>
/// model.json beside model.onnx (schema "returns-grader-model-manifest", documented in docs/model-manifest.md):
/// everything the app needs to feed the network and read its outputs. Nothing about a model is a constant in code.
/// </summary>
public sealed record ModelManifest
{
    public const string SchemaName = "returns-grader-model-manifest";

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        PropertyNameCaseInsensitive = true,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        // "input": null passed `required` (present) and ended as a NullReferenceException in Validate: a 500 for an
        // uploaded manifest (review of the model registry, 2026-12-06). A null where the type has no null is refused.
        RespectNullableAnnotations = true,
    };

    public string Schema { get; init; } = "";
    public string SchemaVersion { get; init; } = "";
    public required string Name { get; init; }
    public required string Version { get; init; }
    public string File { get; init; } = "model.onnx";
    public string? Sha256 { get; init; }
    public string RubricVersion { get; init; } = "v1";
    public required ManifestInput Input { get; init; }
    public IReadOnlyList<ManifestOutput> Outputs { get; init; } = [];
    public required IReadOnlyList<string> Grades { get; init; }
    public IReadOnlyList<string> DamageTypes { get; init; } = [];
    public IReadOnlyDictionary<string, int> SeverityPoints { get; init; } = new Dictionary<string, int>();
    public DamageMapSettings? DamageMap { get; init; }
    public CalibrationSettings Calibration { get; init; } = new();
    public RegionSettings? Regions { get; init; }
    public ItemRuleSettings? ItemRule { get; init; }
    public FamiliaritySettings? Familiarity { get; init; }
    public ItemSizeSettings? ItemSize { get; init; }
    public JsonElement? Metrics { get; init; }

    /// <summary>Name and version as stamped on every prediction.</summary>
    [JsonIgnore]
    public string ModelVersion => $"{Name}@{Version}";

    /// <summary>A model with a damage map suggests regions; a plain classifier suggests a grade only.</summary>
    [JsonIgnore]
    public bool HasDamageMap => DamageMap is not null && Regions is not null && DamageTypes.Count > 0;

    [JsonIgnore]
    public string GradeOutputName => Outputs.FirstOrDefault(o => o.Name is "grade_logits" or "logits")?.Name ?? "grade_logits";

    [JsonIgnore]
    public string DamageOutputName => Outputs.FirstOrDefault(o => o.Name == "damage_logits")?.Name ?? "damage_logits";

    /// <summary>A model whose manifest declares a familiarity output says how like its training photos a photo is.</summary>
    [JsonIgnore]
    public bool HasFamiliarity => Familiarity is not null;
}

public sealed record ManifestInput
{
    public string Name { get; init; } = "pixel_values";
    public string Layout { get; init; } = "NCHW";
    public int Height { get; init; }
    public int Width { get; init; }
    public string ChannelOrder { get; init; } = "RGB";
    public ResizeSettings Resize { get; init; } = new();
    public float Scale { get; init; } = 1f / 255f;
    public IReadOnlyList<float> Mean { get; init; } = [0.5f, 0.5f, 0.5f];
    public IReadOnlyList<float> Std { get; init; } = [0.5f, 0.5f, 0.5f];
}

public sealed record ResizeSettings
{
    /// <summary>What manifests without the field (and Hugging Face models) get: the rule before it was a number.</summary>
    public const double DefaultMinDecodedFactor = 2.0;

    /// <summary>The only resize the C# side implements (AntialiasedResize): see <see cref="IsImplemented"/>.</summary>
    public const string ImplementedMode = "stretch";

    public const string ImplementedFilter = "bilinear";

    public string Mode { get; init; } = ImplementedMode;
    public string Filter { get; init; } = ImplementedFilter;
    public bool KeepAspectRatio { get; init; }
    public bool Antialias { get; init; } = true;

    /// <summary>
    /// Whether the app feeds the network what this manifest describes: the whole photo stretched to the input size with
    /// Pillow's antialiased bilinear filter. Anything else would be read, accepted and silently not done (issue 16).
    /// </summary>
    public bool IsImplemented =>
        Mode == ImplementedMode && Filter == ImplementedFilter && !KeepAspectRatio && Antialias;

    /// <summary>
    /// How small a JPEG may get while it is decoded (DCT scaling by 1/2, 1/4, 1/8), as a multiple of the input size on
    /// both sides; the antialiased resize does the rest. The training loader decodes with the same rule (PIL draft).
    /// </summary>
    public double MinDecodedFactor { get; init; } = DefaultMinDecodedFactor;
}

public sealed record ManifestOutput
{
    public required string Name { get; init; }
    public IReadOnlyList<JsonElement> Shape { get; init; } = [];
}

public sealed record DamageMapSettings
{
    public int GridHeight { get; init; }
    public int GridWidth { get; init; }
    public string CellOrder { get; init; } = "row-major";
    public string Activation { get; init; } = "sigmoid";
}

public sealed record CalibrationSettings
{
    public string Method { get; init; } = "none";
    public double Temperature { get; init; } = 1.0;
}

/// <summary>
/// How an item's photos combine into its suggestion: the score a damage region needs before the rubric grade that the
/// confident regions imply may overrule the averaged grade head. Chosen by the training code on its validation items;
/// null (or absent, as in older manifests and plain classifiers) means the rule is off and the grade head decides.
/// </summary>
public sealed record ItemRuleSettings
{
    public double? ConfidentDamageScore { get; init; }
}

/// <summary>
/// How the network says whether a photo looks like its training photos (the manifest's optional <c>familiarity</c>
/// section; older manifests and plain classifiers have none, and familiarity is then unknown). <see cref="Output"/> names
/// an output holding one score per photo (shape [batch], higher = more familiar); a photo is familiar when its score is
/// at least <see cref="Threshold"/>. <see cref="PrefillMinConfidence"/> is the least calibrated confidence at which the
/// station may prefill a familiar photo's suggestion (null: any). Both numbers are chosen by the training code on its
/// validation photos; the other fields describe how, for people.
/// </summary>
public sealed record FamiliaritySettings
{
    public string Output { get; init; } = "";
    public double? Threshold { get; init; }
    public double? PrefillMinConfidence { get; init; }
    public string? Rule { get; init; }
    public string? Method { get; init; }
    public string? FittedOn { get; init; }
    public string? ThresholdRule { get; init; }
    public double? ValidationFamiliarRate { get; init; }

    /// <summary>Familiar means at or above the threshold (a validated manifest always has one).</summary>
    public bool IsFamiliar(double score) => score >= Threshold;
}

/// <summary>
/// Whether the item fills enough of the photo to be judged (the manifest's optional <c>item_size</c> section, issue 17;
/// models without it cannot tell, and the warning is never given). <see cref="Output"/> names an output holding the
/// item's box per photo (shape [batch, 4]: x0, y0, x1, y1 as fractions of the photo); the item is too small when the
/// box's area share is under <see cref="TooSmallBelow"/>, chosen by the training code on its validation photos.
/// </summary>
public sealed record ItemSizeSettings
{
    /// <summary>The most photos an item's rule may ask to agree: more than a station takes of one item.</summary>
    public const int MostPhotos = 10;

    public string Output { get; init; } = "";
    public double? TooSmallBelow { get; init; }

    /// <summary>
    /// How many of an item's photos must be under the line before any of them is called too small (1: each photo on its
    /// own). A rule judged per item (REPORT.md "Candidate I": two photos must agree) cries wolf less on a single odd
    /// photo, and an item with fewer photos than this is never flagged.
    /// </summary>
    public int MinPhotos { get; init; } = 1;
    public string? Rule { get; init; }
    public string? FittedOn { get; init; }

    /// <summary>The share of the photo a box covers (its corners clamped to the photo).</summary>
    public static double ShareOf(ReadOnlySpan<float> box) =>
        Math.Max(0, Math.Clamp(box[2], 0f, 1f) - Math.Clamp(box[0], 0f, 1f)) * Math.Max(0, Math.Clamp(box[3], 0f, 1f) - Math.Clamp(box[1], 0f, 1f));

    public bool IsTooSmall(double share) => share < TooSmallBelow;
}

public sealed record RegionSettings
{
    public string Algorithm { get; init; } = "threshold-components-v1";
    public int Connectivity { get; init; } = 8;
    public IReadOnlyDictionary<string, double> Thresholds { get; init; } = new Dictionary<string, double>();
    public IReadOnlyDictionary<string, int> MinCells { get; init; } = new Dictionary<string, int>();
}
