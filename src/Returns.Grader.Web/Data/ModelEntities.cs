using System.Text.Json.Serialization;

namespace Returns.Grader.Web.Data;

[JsonConverter(typeof(JsonStringEnumConverter<ModelState>))]
public enum ModelState
{
    /// <summary>Runs on every new photo beside the active model; its predictions are stored, never shown.</summary>
    [JsonStringEnumMemberName("shadow")] Shadow,
    /// <summary>Its suggestions are what graders see. One at a time.</summary>
    [JsonStringEnumMemberName("active")] Active,
    /// <summary>Kept, not run; can be made shadow or active again (a rollback).</summary>
    [JsonStringEnumMemberName("retired")] Retired,
}

/// <summary>A model the registry knows: its files live in the models folder under <see cref="Folder"/>.</summary>
public sealed class RegisteredModel
{
    public Guid Id { get; set; }
    /// <summary><c>name@version</c>, as stamped on predictions; unique.</summary>
    public required string ModelVersion { get; set; }
    public ModelState State { get; set; }
    /// <summary>Folder name under the models folder (model.onnx, model.json, MODEL_CARD.md).</summary>
    public required string Folder { get; set; }
    public required string Sha256 { get; set; }
    public long ByteSize { get; set; }
    /// <summary>The manifest's metrics and training summary as uploaded (JSON), for people comparing models.</summary>
    public string? ManifestSummaryJson { get; set; }
    /// <summary>What the upload check measured: the sample photo's suggestion and the latency.</summary>
    public string? ValidationJson { get; set; }
    public required string RegisteredBy { get; set; }
    public DateTime RegisteredAt { get; set; }
    /// <summary>When it last became active (rollback picks the model active before the current one).</summary>
    public DateTime? ActivatedAt { get; set; }
    public DateTime? StateChangedAt { get; set; }
}

/// <summary>
/// One file of a registered model (model.onnx, model.json, MODEL_CARD.md), kept in the database so that every node
/// sharing it can load a model registered on another (issue 18): a node without the folder writes it from here.
/// </summary>
public sealed class RegisteredModelFile
{
    public Guid Id { get; set; }
    public Guid RegisteredModelId { get; set; }
    public required string FileName { get; set; }
    public required byte[] Content { get; set; }
}
