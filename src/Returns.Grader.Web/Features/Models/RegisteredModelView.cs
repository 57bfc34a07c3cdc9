using System.Text.Json;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Models;

/// <summary>A model as the registry's API and page show it.</summary>
public sealed record RegisteredModelView(
    Guid Id, string ModelVersion, ModelState State, string Sha256, long ByteSize, string RegisteredBy, DateTime RegisteredAt,
    DateTime? ActivatedAt, JsonElement? Summary, JsonElement? Validation)
{
    /// <summary>Rolled back from since it was last active: a rollback goes past it (<see cref="ModelRegistry.RollbackAsync"/>).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool RolledBackFrom { get; init; }

    /// <summary>Whether the station's too-small warning runs on this model (its manifest has an <c>item_size</c> rule);
    /// null for a model registered before the registry recorded it. Read from <see cref="Summary"/>, which the API
    /// shows as <c>tooSmallWarning</c>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool? TooSmallWarning =>
        Summary is { ValueKind: JsonValueKind.Object } summary && summary.TryGetProperty("tooSmallWarning", out var on)
            && on.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? on.GetBoolean()
            : null;
}

/// <summary>The upload was read but is not a model this app can use; the message says why in plain words.</summary>
public sealed class ModelRejectedException(string message) : DomainProblemException(message)
{
    public override int Status => StatusCodes.Status422UnprocessableEntity;
    public override string Title => "The model was not accepted";

    /// <summary>Why an upload does not load, without the server's folder for it (a path on this machine means nothing
    /// to the person uploading, and is not theirs to know): its files are named as they sent them.</summary>
    public static ModelRejectedException FromUpload(Vision.Inference.ModelLoadException e, string uploadFolder) =>
        new(WithoutFolder(e, uploadFolder, "the upload"));

    /// <summary>Why a registered model does not load, without the server's folder for it (a promotion's refusal).</summary>
    public static ModelRejectedException FromRegistered(Vision.Inference.ModelLoadException e, string modelVersion, string folder) =>
        new($"{modelVersion} cannot be loaded: {WithoutFolder(e, folder, "its folder")}");

    /// <summary>The message with <paramref name="folder"/>'s files named alone and the folder itself as <paramref name="calledAs"/>.</summary>
    private static string WithoutFolder(Vision.Inference.ModelLoadException e, string folder, string calledAs)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Message.Replace(folder + Path.DirectorySeparatorChar, "", StringComparison.Ordinal).Replace(folder, calledAs, StringComparison.Ordinal);
    }
}

/// <summary>
/// This node cannot write or read a model's files in its models folder (full, read-only, not the app's): nothing was changed.
/// It answered 500 (review of the registry, 2026-12-06); it is the server's to fix, so 503, and the log has the folder.
/// </summary>
public sealed class ModelFolderUnavailableException(string message, Exception cause) : DomainProblemException(message, cause)
{
    public static ModelFolderUnavailableException ForChange(string modelVersion, Exception cause) =>
        new($"{modelVersion} could not be written to or read from this server's models folder, so nothing was changed. Tell whoever runs the app; the log names the folder.", cause);

    /// <summary>An upload that could not be written (before its manifest is read, so without a version): it was a 500
    /// whose page showed the IOException, server path included (review of the registry, 2026-12-06).</summary>
    public static ModelFolderUnavailableException ForUpload(Exception cause) =>
        new("The model could not be written to this server's models folder, so nothing was registered. Tell whoever runs the app; the log names the folder. The same files can be sent again once it is fixed.", cause);

    public override int Status => StatusCodes.Status503ServiceUnavailable;
    public override string Title => "The models folder cannot be used";
}

/// <summary>A state change that would break a rule (one active model; the active one cannot just be retired).</summary>
public sealed class ModelStateConflictException(string message) : DomainProblemException(message)
{
    public override int Status => StatusCodes.Status409Conflict;
    public override string Title => "Not possible in the model's state";
}

public sealed class RegisteredModelNotFoundException(Guid id) : DomainProblemException($"There is no registered model {id}.")
{
    public override int Status => StatusCodes.Status404NotFound;
    public override string Title => "No such model";
}
