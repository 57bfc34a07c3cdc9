using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Returns.Grader.Vision.Inference;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;

namespace Returns.Grader.Web.Features.Models;

/// <summary>The registry's intake: an uploaded model is checked, kept in the folder and the database, and registered.</summary>
public sealed partial class ModelRegistry
{
    /// <summary>
    /// Registers an uploaded model after checking it: it loads, its input and outputs match its manifest, its grades and
    /// damage types are this app's, its sha256 matches, and it runs on a sample photo to a sane suggestion.
    /// </summary>
    public async Task<RegisteredModelView> RegisterAsync(
        Stream onnx, Stream manifestJson, Stream? card, ModelState state, Actor actor, ReadOnlyMemory<byte> samplePhoto, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        ArgumentNullException.ThrowIfNull(manifestJson);
        ArgumentNullException.ThrowIfNull(actor);
        if (state == ModelState.Active)
        {
            throw new ModelStateConflictException("A new model starts in shadow or retired; promote it once the comparison shows it is better.");
        }
        var staging = Path.Combine(Directory, $".staging-{Guid.NewGuid():N}");
        try
        {
            await WriteUploadAsync(staging, onnx, manifestJson, card, cancellationToken);
            if (await IsJsonTextAsync(Path.Combine(staging, "model.onnx"), cancellationToken))
            {
                // model.json put in the model's place was refused as "model.onnx does not match its manifest (sha256 …)",
                // which sent the uploader looking at the export (exploratory pass, 2026-12-06).
                throw new ModelRejectedException("model.onnx is JSON text, not an ONNX model (which is binary): is model.json in the model's place?");
            }
            ModelManifest manifest;
            try
            {
                manifest = ModelPackage.ReadManifest(Path.Combine(staging, "model.json"));
            }
            catch (ModelLoadException e)
            {
                throw ModelRejectedException.FromUpload(e, staging);
            }
            if (string.IsNullOrEmpty(manifest.Sha256))
            {
                throw new ModelRejectedException("The manifest carries no sha256 of model.onnx; export.py writes it.");
            }
            // Name and version each non-empty and free of "@": "grader-vit-v1@", "@7.0.0" and "x@y@1@2" were registered,
            // stamped on predictions and offered as filters (exploratory pass, 2026-12-05).
            static bool IsPart(string? part) =>
                !string.IsNullOrEmpty(part) && part.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '+');
            if (manifest.ModelVersion.Length > 100 || !IsPart(manifest.Name) || !IsPart(manifest.Version))
            {
                throw new ModelRejectedException(
                    $"The model's name@version '{manifest.ModelVersion}' must be a name and a version, each of letters, digits and . - _ + (neither empty, no other @), at most 100 characters in all.");
            }
            var validation = await ValidateAsync(staging, samplePhoto, cancellationToken);

            await _changes.WaitAsync(cancellationToken);
            try
            {
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                if (await db.RegisteredModels.AnyAsync(m => m.ModelVersion == manifest.ModelVersion, cancellationToken))
                {
                    throw new ModelStateConflictException($"{manifest.ModelVersion} is already registered; give the new model a new version.");
                }
                // A folder of its own, never reused: two versions that look alike as folder names can never share one.
                var folder = FolderFor(manifest.ModelVersion);
                var target = Path.Combine(Directory, folder);
                try
                {
                    System.IO.Directory.Move(staging, target);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw UploadUnwritable(e);
                }
                LoadedModel? loaded = null;
                string? replacedShadow = null;
                try
                {
                    var now = clock.GetUtcNow().UtcDateTime;
                    var onnxPath = Path.Combine(target, "model.onnx");
                    var row = new RegisteredModel
                    {
                        Id = Guid.CreateVersion7(), ModelVersion = manifest.ModelVersion, State = ModelState.Retired, Folder = folder,
                        Sha256 = Sha256Of(onnxPath), ByteSize = new FileInfo(onnxPath).Length, ManifestSummaryJson = Summary(manifest),
                        ValidationJson = JsonSerializer.Serialize(validation, ExportJson), RegisteredBy = actor.Name, RegisteredAt = now, StateChangedAt = now,
                    };
                    db.RegisteredModels.Add(row);
                    AddFileRows(db, row.Id, target);
                    db.AuditEvents.Add(Audit(now, actor.Id, actor.Name, "model.registered", row.ModelVersion, new { row.Sha256, row.ByteSize, validation }));
                    if (state == ModelState.Shadow)
                    {
                        // Registered and in shadow in one commit: a failure leaves neither, so registering again just works
                        // (two commits could leave it retired, and "already registered").
                        loaded = await LoadForSlotAsync(db, row, cancellationToken);
                        var replaced = await RetireHoldersAsync(db, ModelState.Shadow, row.Id, now, cancellationToken);
                        replacedShadow = replaced?.ModelVersion;
                        row.State = ModelState.Shadow;
                        db.AuditEvents.Add(Audit(now, actor.Id, actor.Name, "model.shadowed", row.ModelVersion, new { replaced = replaced?.ModelVersion }));
                    }
                    await SaveSlotChangeAsync(db, cancellationToken);
                    if (loaded is not null)
                    {
                        LogStateChanged(logger, row.ModelVersion, "model.shadowed", actor.Name);
                        Occupy(ModelState.Shadow, loaded, row.Id);
                    }
                    return ToView(row);
                }
                catch (Exception e)
                {
                    // No row names the folder: remove it, or it would stay on disk for good (a new try gets a new folder).
                    loaded?.Release();
                    TryDeleteFolder(target);
                    // Another node registered the same version, or changed the shadow slot, at the same moment: said as a
                    // conflict, not a 500 (review of the registry, 2026-12-06).
                    if (e is DbUpdateConcurrencyException)
                    {
                        throw new ModelStateConflictException(ChangedMeanwhile("nothing was registered; send the model again"));
                    }
                    if (e is DbUpdateException && await VersionRegisteredAsync(manifest.ModelVersion))
                    {
                        throw new ModelStateConflictException($"{manifest.ModelVersion} is already registered; give the new model a new version.");
                    }
                    if (e is DbUpdateException && state == ModelState.Shadow && await SlotTakenByAnotherAsync(ModelState.Shadow, manifest.ModelVersion, replacedShadow))
                    {
                        throw new ModelStateConflictException(ChangedMeanwhile("nothing was registered; send the model again"));
                    }
                    if (e is IOException or UnauthorizedAccessException)
                    {
                        throw UploadUnwritable(e); // its files could not be read back for their sha256 and rows
                    }
                    throw;
                }
            }
            finally
            {
                _changes.Release();
            }
        }
        finally
        {
            // Best effort: a delete that fails here would hide why the upload failed; the start sweeps what is left.
            if (System.IO.Directory.Exists(staging))
            {
                TryDeleteFolder(staging);
            }
        }
    }

    /// <summary>The file starts, after white space and a byte-order mark, with "{" or "[": JSON, never an ONNX model (a
    /// protobuf, whose first byte is a field tag).</summary>
    private static async Task<bool> IsJsonTextAsync(string path, CancellationToken cancellationToken)
    {
        var start = new byte[64];
        await using var file = File.OpenRead(path);
        var read = await file.ReadAtLeastAsync(start, start.Length, throwOnEndOfStream: false, cancellationToken);
        var text = start.AsSpan(0, read);
        if (text.StartsWith("\uFEFF"u8))
        {
            text = text[3..];
        }
        text = text.TrimStart(" \t\r\n"u8);
        return text.Length > 0 && text[0] is (byte)'{' or (byte)'[';
    }

    /// <summary>Writes an upload's files into its staging folder. A folder that cannot be written (full, read-only, a file
    /// where it should be) is the server's to fix: 503 in words, the folder in the log only.</summary>
    private async Task WriteUploadAsync(string staging, Stream onnx, Stream manifestJson, Stream? card, CancellationToken cancellationToken)
    {
        try
        {
            System.IO.Directory.CreateDirectory(staging);
            await CopyToFileAsync(onnx, Path.Combine(staging, "model.onnx"), cancellationToken);
            await CopyToFileAsync(manifestJson, Path.Combine(staging, "model.json"), cancellationToken);
            if (card is not null)
            {
                await CopyToFileAsync(card, Path.Combine(staging, "MODEL_CARD.md"), cancellationToken);
            }
        }
        // A request body that breaks off is the caller's (BadHttpRequestException is an IOException), not the folder's.
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not BadHttpRequestException)
        {
            throw UploadUnwritable(e);
        }

        static async Task CopyToFileAsync(Stream from, string path, CancellationToken cancellationToken)
        {
            await using var file = File.Create(path);
            await from.CopyToAsync(file, cancellationToken);
        }
    }

    private ModelFolderUnavailableException UploadUnwritable(Exception e)
    {
        LogUploadUnwritable(logger, e, Directory);
        return ModelFolderUnavailableException.ForUpload(e);
    }

    /// <summary>
    /// Whether a model other than this one and the holder this change was retiring holds the slot now: another node
    /// filled it (read after a failed save). The holder still holds it after any failed save, rolled back: counted, it
    /// turned every database error into "changed at the same moment" (diff review, 2026-12-06).
    /// </summary>
    private async Task<bool> SlotTakenByAnotherAsync(ModelState slot, string modelVersion, string? retiring)
    {
        await using var db = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        return await db.RegisteredModels.AnyAsync(m => m.State == slot && m.ModelVersion != modelVersion && m.ModelVersion != retiring);
    }

    /// <summary>Best effort: a folder left behind costs disk, not correctness (no row names it), so failing here is logged only.</summary>
    private void TryDeleteFolder(string folder)
    {
        try
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogFolderLeft(logger, e, folder);
        }
    }
}
