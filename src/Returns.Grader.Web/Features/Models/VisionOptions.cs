using System.ComponentModel.DataAnnotations;
using Returns.Grader.Vision.Inference;

namespace Returns.Grader.Web.Features.Models;

/// <summary>Section "Grader:Vision": which model suggests grades, and how inference may use the machine.</summary>
public sealed class VisionOptions
{
    public const string Section = "Grader:Vision";

    /// <summary>Folder with model.onnx + model.json (or a Hugging Face ViT export). Relative paths are under the app's binaries,
    /// where the build copies models/grader-vit-v1. Empty means manual mode on purpose.</summary>
    public string ModelDirectory { get; set; } = "models/grader-vit-v1";

    [Range(1, 64)]
    public int IntraOpThreads { get; set; } = InferenceSettings.Default.IntraOpThreads;

    /// <summary>Inferences at once; more callers wait (none is dropped).</summary>
    [Range(1, 64)]
    public int MaxConcurrentRuns { get; set; } = 1;

    [Range(1, 64)]
    public int MaxBatch { get; set; } = 8;

    /// <summary>
    /// When set, a detected damage region at least this sure may make the item's suggestion more severe than the grade
    /// head says, whatever the model. Unset (the default): each model's own score from its manifest (<c>item_rule</c>,
    /// chosen on its validation items), or no overruling where the model has none.
    /// </summary>
    [Range(0.0, 1.0)]
    public double? ConfidentDamageScore { get; set; }

    /// <summary>
    /// How often a node looks in the database for a model another node promoted, shadowed or retired (nodes share the
    /// database; ModelRegistrySync). The longest a node suggests with the previous model after a change elsewhere.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RegistryRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    public string? ResolveModelDirectory() =>
        string.IsNullOrWhiteSpace(ModelDirectory) ? null
        : Path.IsPathRooted(ModelDirectory) ? ModelDirectory
        : Path.Combine(AppContext.BaseDirectory, ModelDirectory);

    public InferenceSettings ToSettings() => new(IntraOpThreads, MaxConcurrentRuns, MaxBatch);
}
