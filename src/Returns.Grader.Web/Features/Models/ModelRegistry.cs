using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Returns.Grader.Vision.Inference;
using Returns.Grader.Vision.Photos;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Models;

/// <summary>
/// The model registry (ADR 0010): which model is active (graders see its suggestions), which one runs in shadow (its
/// predictions are stored, never shown), and every model ever registered. Models live in the models folder under the
/// data directory; the configured model (Grader:Vision:ModelDirectory) is registered on first start. Switching loads the
/// new session first and swaps it in: no restart, and a request in flight finishes on the model it started with. If no
/// model can be loaded the app runs in manual mode: grading goes on without suggestions, the station and /readyz say so.
/// </summary>
public sealed partial class ModelRegistry(
    IOptions<VisionOptions> options, IOptions<GraderOptions> grader, IWebHostEnvironment environment, IDbContextFactory<GraderDb> dbFactory,
    Grading.RubricCatalog rubrics, TimeProvider clock, ILogger<ModelRegistry> logger) : IDisposable
{
    private readonly Lock _slots = new();
    private readonly SemaphoreSlim _changes = new(1);
    private LoadedModel? _active;
    private LoadedModel? _shadow;
    private readonly ConcurrentDictionary<string, ModelManifest?> _manifests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTime> _manifestMisses = new(StringComparer.Ordinal);

    /// <summary>Where registered models' folders are.</summary>
    public string Directory { get; } = Path.Combine(grader.Value.ResolveDataDirectory(environment.ContentRootPath), "models");

    /// <summary>The model whose suggestions graders see, or null in manual mode (for display; inference uses <see cref="Acquire"/>).</summary>
    public GradeModel? Active => _active?.Model;

    /// <summary>
    /// Raised after the active model on this node changed (a promotion or rollback here, one made on another node and
    /// followed, manual mode), on a pool thread: never on the thread that changed it, which may hold the registry's
    /// semaphore, and a subscriber that fails cannot fail the change. An open station whose suggestion came from the old
    /// model withdraws what it filled in: it kept the retired model's grade selected and saved it, under a notice to grade
    /// it by hand (two-node browser pass, 2026-12-07).
    /// </summary>
    public event Action? ActiveModelChanged;

    private void RaiseIfActiveChanged(string? before)
    {
        if (before == _active?.Version || ActiveModelChanged is not { } changed)
        {
            return;
        }
        ThreadPool.QueueUserWorkItem(_ =>
        {
            foreach (var subscriber in changed.GetInvocationList().Cast<Action>())
            {
                try
                {
                    subscriber();
                }
                catch (Exception e)
                {
                    LogSubscriberFailed(logger, e);
                }
            }
        });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A page that follows the model in use failed to hear that it changed")]
    private static partial void LogSubscriberFailed(ILogger logger, Exception exception);

    public string? ShadowVersion => _shadow?.Version;

    public string? ManualModeReason { get; private set; } = "The model registry has not started yet.";

    public bool IsManualMode => _active is null;

    /// <summary>
    /// How sure a damage region must be before the rubric grade it implies may overrule the grade head in an item's
    /// suggestion from this model version's predictions: <c>Grader:Vision:ConfidentDamageScore</c> when set, else the
    /// model's own <c>item_rule</c>; null (the grade head decides) for a model without one or no longer on disk.
    /// </summary>
    public async Task<double?> ConfidentDamageScoreForAsync(string modelVersion, CancellationToken cancellationToken) =>
        options.Value.ConfidentDamageScore ?? (await ManifestForAsync(modelVersion, cancellationToken))?.ItemRule?.ConfidentDamageScore;

    /// <summary>
    /// The least confidence at which the station prefills a (familiar) suggestion of this model version: its manifest's
    /// <c>familiarity.prefill_min_confidence</c>; null (any confidence) for a model without one or no longer on disk.
    /// </summary>
    public async Task<double?> PrefillMinConfidenceForAsync(string modelVersion, CancellationToken cancellationToken) =>
        (await ManifestForAsync(modelVersion, cancellationToken))?.Familiarity?.PrefillMinConfidence;

    /// <summary>
    /// A model version's manifest: the active model's from memory, another registered one's read once, from its folder
    /// or, where this node has no folder for it (a model registered or promoted on another node, a node on a fresh
    /// disk), from the copy of its files in the database. A manifest found is remembered; a miss for a few minutes only:
    /// it was remembered for good, and that node then suggested without the item rule and prefilled below the
    /// manifest's cut-off while the others did not (review of the registry, 2026-12-06).
    /// </summary>
    private async Task<ModelManifest?> ManifestForAsync(string modelVersion, CancellationToken cancellationToken)
    {
        if (_active is { } active && active.Version == modelVersion)
        {
            return active.Model.Manifest;
        }
        if (_manifests.TryGetValue(modelVersion, out var known))
        {
            return known;
        }
        // A miss that may yet resolve is asked again after a while, not on every item read and grade (two queries and a
        // warning each: diff review, 2026-12-06).
        var now = clock.GetUtcNow().UtcDateTime;
        if (_manifestMisses.TryGetValue(modelVersion, out var missedAt) && now - missedAt < ManifestMissRetry)
        {
            return null;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var model = await db.RegisteredModels.AsNoTracking().Where(m => m.ModelVersion == modelVersion)
            .Select(m => new { m.Id, m.Folder }).FirstOrDefaultAsync(cancellationToken);
        if (model is null)
        {
            return null;
        }
        try
        {
            var path = Path.Combine(Directory, model.Folder, "model.json");
            ModelManifest manifest;
            if (File.Exists(path))
            {
                manifest = ModelPackage.ReadManifest(path);
            }
            else
            {
                var files = await db.RegisteredModelFiles.AsNoTracking().Where(f => f.RegisteredModelId == model.Id)
                    .Select(f => new { f.FileName, Content = f.FileName == "model.json" ? f.Content : null }).ToListAsync(cancellationToken);
                if (files.SingleOrDefault(f => f.FileName == "model.json")?.Content is not { } stored)
                {
                    // Its files are known and have no manifest (a Hugging Face export): that is the answer, once. Files
                    // known nowhere may yet be written here: asked again next time.
                    LogManifestUnreadable(logger, modelVersion, files.Count > 0 ? "it has no model.json" : "neither this node's folder nor the database has its files");
                    if (files.Count > 0)
                    {
                        return _manifests.GetOrAdd(modelVersion, (ModelManifest?)null);
                    }
                    _manifestMisses[modelVersion] = now;
                    return null;
                }
                manifest = ModelPackage.ParseManifest(System.Text.Encoding.UTF8.GetString(stored), "model.json");
            }
            return _manifests.GetOrAdd(modelVersion, manifest);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ModelLoadException)
        {
            LogManifestUnreadable(logger, modelVersion, e.Message);
            _manifestMisses[modelVersion] = now;
            return null;
        }
    }

    /// <summary>How long a manifest that could not be found or read is taken as missing before it is looked for again.</summary>
    private static readonly TimeSpan ManifestMissRetry = TimeSpan.FromMinutes(5);

    /// <summary>The active and shadow models for one request; dispose the lease when the request is done with them.</summary>
    public ModelLease Acquire()
    {
        lock (_slots)
        {
            return new ModelLease(_active?.Acquire(), _shadow?.Acquire());
        }
    }

    /// <summary>At start, after the migrations: registers the configured model if it is new, then loads the active and shadow models.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken);
        try
        {
            ManualModeReason = null;
            SweepStaleStaging();
            await RegisterConfiguredAsync(cancellationToken);
            await BackfillFileRowsAsync(cancellationToken);
            await LoadFromDatabaseAsync(initial: true, cancellationToken);
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>
    /// Follows the database when another node (sharing it) promoted, shadowed or retired a model: loads what changed and
    /// swaps it in, as a change made here would. Run on a schedule by <see cref="ModelRegistrySync"/>. True when
    /// something changed.
    /// </summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        await _changes.WaitAsync(cancellationToken);
        try
        {
            return await LoadFromDatabaseAsync(initial: false, cancellationToken);
        }
        finally
        {
            _changes.Release();
        }
    }

    private async Task<bool> LoadFromDatabaseAsync(bool initial, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // One of each by the registry's own rule; should the table say otherwise (a hand edit), the most recently
        // changed one wins rather than the app refusing to start.
        var active = await db.RegisteredModels.AsNoTracking().Where(m => m.State == ModelState.Active)
            .OrderByDescending(m => m.StateChangedAt).FirstOrDefaultAsync(cancellationToken);
        var shadow = await db.RegisteredModels.AsNoTracking().Where(m => m.State == ModelState.Shadow)
            .OrderByDescending(m => m.StateChangedAt).FirstOrDefaultAsync(cancellationToken);
        LoadedModel? currentActive, currentShadow;
        lock (_slots)
        {
            (currentActive, currentShadow) = (_active, _shadow);
        }
        if (!initial && active?.Id == currentActive?.RegistrationId && shadow?.Id == currentShadow?.RegistrationId)
        {
            return false;
        }
        var reason = active is null ? ManualModeReason ?? "No model is active." : null;
        var (loadedActive, activeError) = await SlotAsync(db, active, currentActive, "active", cancellationToken);
        if (activeError is not null && !initial && currentActive is not null)
        {
            // This node cannot load what another node promoted: keep suggesting with what it has, say so, try again.
            LogFollowFailed(logger, active!.ModelVersion, activeError);
            loadedActive = currentActive.Acquire();
        }
        else if (activeError is not null)
        {
            reason = $"The active model {active!.ModelVersion} cannot be loaded: {activeError}";
        }
        var (loadedShadow, shadowError) = await SlotAsync(db, shadow, currentShadow, "shadow", cancellationToken);
        if (shadowError is not null)
        {
            LogShadowFailed(logger, shadow!.ModelVersion, shadowError);
        }
        Swap(loadedActive, loadedShadow, reason);
        return true;
    }

    /// <summary>What a slot should hold: the model already loaded there (one more reference), or the wanted one loaded now
    /// (or why it cannot be); nothing when no model is wanted.</summary>
    private async Task<(LoadedModel? Loaded, string? Error)> SlotAsync(
        GraderDb db, RegisteredModel? wanted, LoadedModel? current, string slot, CancellationToken cancellationToken)
    {
        if (wanted is null)
        {
            return (null, null);
        }
        if (wanted.Id == current?.RegistrationId)
        {
            return (current.Acquire(), null);
        }
        try
        {
            var loaded = new LoadedModel(await LoadRegisteredAsync(db, wanted, cancellationToken), wanted.Id);
            LogLoaded(logger, wanted.ModelVersion, slot);
            return (loaded, null);
        }
        catch (ModelLoadException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>
    /// A registered model's session. Its folder may be missing on this node (registered on another node sharing the
    /// database): it is written from the database's copy of its files first.
    /// </summary>
    private async Task<GradeModel> LoadRegisteredAsync(GraderDb db, RegisteredModel model, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Directory, model.Folder);
        if (!File.Exists(Path.Combine(folder, "model.onnx")))
        {
            var files = await db.RegisteredModelFiles.AsNoTracking().Where(f => f.RegisteredModelId == model.Id).ToListAsync(cancellationToken);
            if (files.Count == 0)
            {
                throw new ModelLoadException($"Its files are neither in {folder} nor in the database.");
            }
            var staging = Path.Combine(Directory, $".staging-{Guid.NewGuid():N}");
            System.IO.Directory.CreateDirectory(staging);
            try
            {
                foreach (var file in files)
                {
                    await File.WriteAllBytesAsync(Path.Combine(staging, Path.GetFileName(file.FileName)), file.Content, cancellationToken);
                }
                if (System.IO.Directory.Exists(folder))
                {
                    System.IO.Directory.Delete(folder, recursive: true); // a partial folder from an interrupted copy
                }
                System.IO.Directory.Move(staging, folder);
            }
            catch
            {
                // A disk that filled part way left a staging folder per try, and the sync tries every 10 s (review of the
                // registry, 2026-12-06).
                TryDeleteFolder(staging);
                throw;
            }
            LogWrittenFromDatabase(logger, model.ModelVersion, folder);
        }
        var loaded = LoadChecked(folder);
        // Loading already hashed model.onnx against its manifest's sha256 (ModelPackage.Read); the manifest must then
        // name the registered file. Only a model whose manifest states none (a Hugging Face export) is hashed here.
        var sha256 = string.IsNullOrEmpty(loaded.Manifest.Sha256) ? Sha256Of(Path.Combine(folder, "model.onnx")) : loaded.Manifest.Sha256;
        if (!string.Equals(sha256, model.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            loaded.Dispose();
            throw new ModelLoadException($"{folder}/model.onnx is not the file that was registered (sha256 differs).");
        }
        return loaded;
    }

    /// <summary>How old a staging folder must be before the start removes it: older than any upload or copy takes.</summary>
    private static readonly TimeSpan StaleStaging = TimeSpan.FromHours(1);

    /// <summary>
    /// Staging folders a killed process left behind (an upload or a copy from the database cut off part way): nothing
    /// else removed them. Only old ones: a node sharing the folder may be writing one now.
    /// </summary>
    private void SweepStaleStaging()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return;
        }
        var before = clock.GetUtcNow().UtcDateTime - StaleStaging;
        foreach (var staging in System.IO.Directory.EnumerateDirectories(Directory, ".staging-*"))
        {
            if (System.IO.Directory.GetLastWriteTimeUtc(staging) < before)
            {
                TryDeleteFolder(staging);
            }
        }
    }

    /// <summary>Models registered before their files were kept in the database get them from this node's folder, if it has it.</summary>
    private async Task BackfillFileRowsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var withoutFiles = await db.RegisteredModels.AsNoTracking()
            .Where(m => !db.RegisteredModelFiles.Any(f => f.RegisteredModelId == m.Id)).ToListAsync(cancellationToken);
        foreach (var model in withoutFiles.Where(m => File.Exists(Path.Combine(Directory, m.Folder, "model.onnx"))))
        {
            AddFileRows(db, model.Id, Path.Combine(Directory, model.Folder));
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>A registered model's files, copied into the database so that every node sharing it can load the model.</summary>
    private static void AddFileRows(GraderDb db, Guid modelId, string folder)
    {
        foreach (var path in System.IO.Directory.EnumerateFiles(folder))
        {
            db.RegisteredModelFiles.Add(new RegisteredModelFile
            {
                Id = Guid.CreateVersion7(), RegisteredModelId = modelId, FileName = Path.GetFileName(path), Content = File.ReadAllBytes(path),
            });
        }
    }

    /// <summary>
    /// The configured model joins the registry the first time its version is seen: active if nothing is, else retired
    /// (a deploy never overrides a model someone promoted). A missing or broken configured model is manual mode's reason.
    /// </summary>
    private async Task RegisterConfiguredAsync(CancellationToken cancellationToken)
    {
        var source = options.Value.ResolveModelDirectory();
        if (source is null)
        {
            ManualModeReason = "No model is configured (Grader:Vision:ModelDirectory is empty) and none is active in the registry.";
            return;
        }
        ModelManifest manifest;
        string onnx;
        try
        {
            (manifest, onnx) = ModelPackage.Read(source);
        }
        catch (ModelLoadException e)
        {
            ManualModeReason = e.Message;
            LogManualMode(logger, e.Message);
            return;
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.RegisteredModels.AnyAsync(m => m.ModelVersion == manifest.ModelVersion, cancellationToken))
        {
            return;
        }
        try
        {
            using var check = LoadChecked(source);
        }
        catch (ModelLoadException e)
        {
            ManualModeReason = e.Message;
            LogManualMode(logger, e.Message);
            return;
        }
        var folder = FolderFor(manifest.ModelVersion);
        CopyModelFiles(source, Path.Combine(Directory, folder));
        var now = clock.GetUtcNow().UtcDateTime;
        var anyActive = await db.RegisteredModels.AnyAsync(m => m.State == ModelState.Active, cancellationToken);
        var id = Guid.CreateVersion7();
        AddFileRows(db, id, Path.Combine(Directory, folder));
        db.RegisteredModels.Add(new RegisteredModel
        {
            Id = id, ModelVersion = manifest.ModelVersion, State = anyActive ? ModelState.Retired : ModelState.Active,
            Folder = folder, Sha256 = Sha256Of(onnx), ByteSize = new FileInfo(onnx).Length, ManifestSummaryJson = Summary(manifest),
            RegisteredBy = "configuration", RegisteredAt = now, ActivatedAt = anyActive ? null : now, StateChangedAt = now,
        });
        db.AuditEvents.Add(Audit(now, "configuration", "Configuration", "model.registered", manifest.ModelVersion, new { source, state = anyActive ? "retired" : "active" }));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Nodes starting together on a new database both found the version unregistered and the unique index kept
            // one: registered by another node at the same moment is registered (two-node start, 2026-12-05: the other
            // node died here). The folder this node copied has a name no row gives (each folder name is new), so it goes;
            // the node loads the other node's row and writes its files from the database, as for any model registered elsewhere.
            TryDeleteFolder(Path.Combine(Directory, folder));
            await using var again = await dbFactory.CreateDbContextAsync(cancellationToken);
            if (!await again.RegisteredModels.AnyAsync(m => m.ModelVersion == manifest.ModelVersion, cancellationToken))
            {
                if (!anyActive && await again.RegisteredModels.AnyAsync(m => m.State == ModelState.Active, cancellationToken))
                {
                    // Another node's configured model (another version) took the empty active slot at the same moment and
                    // the slots' index kept it (ADR 0045): this one joins as retired, as it would have a moment later.
                    await RegisterConfiguredAsync(cancellationToken);
                    return;
                }
                throw;
            }
        }
    }

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

    /// <summary>
    /// Moves a model to a state: shadow (the previous shadow retires), active (the previous active retires; a promotion
    /// or, for a retired model, a rollback), or retired (not the active one). The new session is loaded before anything
    /// is saved, so a model that cannot load changes nothing. Audited.
    /// <paramref name="expectedActive"/>: the active model the caller saw (name@version), when it asked someone to confirm
    /// the change against it; if another is active now, nothing changes (<see cref="ModelStateConflictException"/>).
    /// </summary>
    public async Task<RegisteredModelView> ChangeStateAsync(Guid id, ModelState state, Actor actor, CancellationToken cancellationToken,
        string? expectedActive = null)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await _changes.WaitAsync(cancellationToken);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var model = await db.RegisteredModels.SingleOrDefaultAsync(m => m.Id == id, cancellationToken) ?? throw new RegisteredModelNotFoundException(id);
            await RefuseIfActiveIsNotAsync(db, expectedActive, cancellationToken);
            if (model.State == state)
            {
                return ToView(model);
            }
            if (model.State == ModelState.Active)
            {
                throw new ModelStateConflictException($"{model.ModelVersion} is the active model; promote another model (or roll back) to replace it.");
            }
            var now = clock.GetUtcNow().UtcDateTime;
            var previous = state == ModelState.Retired ? null : await RetireHoldersAsync(db, state, model.Id, now, cancellationToken);
            var loaded = state == ModelState.Retired ? null : await LoadForSlotAsync(db, model, cancellationToken);
            var wasRetired = model.State == ModelState.Retired;
            var action = state switch
            {
                ModelState.Active => wasRetired && model.ActivatedAt is not null ? "model.rolled_back" : "model.promoted",
                ModelState.Shadow => "model.shadowed",
                _ => "model.retired",
            };
            model.State = state;
            model.StateChangedAt = now;
            if (state == ModelState.Active)
            {
                model.ActivatedAt = now;
            }
            db.AuditEvents.Add(Audit(now, actor.Id, actor.Name, action, model.ModelVersion, new { replaced = previous?.ModelVersion }));
            try
            {
                await SaveSlotChangeAsync(db, cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                // State is a concurrency token: a model or the slot's holder changed by another node since they were read
                // here. Two promotions at once left two active models, a shadow and a promotion of one model none
                // (review of the registry, 2026-12-06); now the later one changes nothing.
                loaded?.Release();
                throw new ModelStateConflictException(ChangedMeanwhile("nothing was changed"));
            }
            catch (Exception e)
            {
                loaded?.Release();
                // The slot was empty when read here and another node filled it first: the unique index on the slots
                // refused this one (ADR 0045; with no holder to meet on, the token above could not see it).
                if (e is DbUpdateException && state != ModelState.Retired && await SlotTakenByAnotherAsync(state, model.ModelVersion, previous?.ModelVersion))
                {
                    throw new ModelStateConflictException(ChangedMeanwhile("nothing was changed"));
                }
                throw;
            }
            LogStateChanged(logger, model.ModelVersion, action, actor.Name);
            Occupy(state, loaded, model.Id);
            return ToView(model);
        }
        finally
        {
            _changes.Release();
        }
    }

    /// <summary>A model's session for the active or shadow slot, loaded before anything is saved so that a model that
    /// cannot load changes nothing.</summary>
    private async Task<LoadedModel> LoadForSlotAsync(GraderDb db, RegisteredModel model, CancellationToken cancellationToken)
    {
        try
        {
            return new LoadedModel(await LoadRegisteredAsync(db, model, cancellationToken), model.Id);
        }
        catch (ModelLoadException e)
        {
            // Without this server's folders: a sha256 refusal said "/srv/app/models/grader-vit-v1-7f3a.../model.onnx" to
            // the person promoting (review of the registry, 2026-12-06).
            throw ModelRejectedException.FromRegistered(e, model.ModelVersion, Path.Combine(Directory, model.Folder));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogFolderUnwritable(logger, e, model.ModelVersion, Directory);
            throw ModelFolderUnavailableException.ForChange(model.ModelVersion, e);
        }
    }

    /// <summary>
    /// Saves a change of slots in one transaction, the models leaving a slot first: the slots' unique index (ADR 0045)
    /// checks each statement, and EF may send the newcomer's update before the holder's. Each holder is retired only
    /// where its state is still the one read (the concurrency token's rule, ADR 0043), else nothing is saved.
    /// </summary>
    private static async Task SaveSlotChangeAsync(GraderDb db, CancellationToken cancellationToken)
    {
        var leaving = db.ChangeTracker.Entries<RegisteredModel>()
            .Where(e => e.State == EntityState.Modified && e.Entity.State == ModelState.Retired
                && e.Property(m => m.State).OriginalValue is ModelState.Active or ModelState.Shadow)
            .Select(e => (Entry: e, Id: e.Entity.Id, Was: e.Property(m => m.State).OriginalValue, At: e.Entity.StateChangedAt))
            .ToList();
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            foreach (var (entry, id, was, at) in leaving)
            {
                var retired = await db.RegisteredModels.Where(m => m.Id == id && m.State == was)
                    .ExecuteUpdateAsync(u => u.SetProperty(m => m.State, ModelState.Retired).SetProperty(m => m.StateChangedAt, at), cancellationToken);
                if (retired == 0)
                {
                    throw new DbUpdateConcurrencyException($"Model {id} left the {was} slot meanwhile.");
                }
                entry.State = EntityState.Unchanged; // written above; SaveChanges must not write it again against the old token
            }
            await db.SaveChangesAsync(acceptAllChangesOnSuccess: false, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        });
        db.ChangeTracker.AcceptAllChanges();
    }

    /// <summary>Retires (in <paramref name="db"/>, not yet saved) the model holding a slot that another is about to take;
    /// returns it, if there was one.</summary>
    private static async Task<RegisteredModel?> RetireHoldersAsync(GraderDb db, ModelState slot, Guid newcomerId, DateTime now, CancellationToken cancellationToken)
    {
        var holders = await db.RegisteredModels.Where(m => m.State == slot && m.Id != newcomerId).ToListAsync(cancellationToken);
        foreach (var holder in holders)
        {
            holder.State = ModelState.Retired;
            holder.StateChangedAt = now;
        }
        return holders.FirstOrDefault();
    }

    /// <summary>After the commit: the model's session takes its slot (or leaves the shadow slot when retired); the replaced
    /// sessions are released once their last request is done with them.</summary>
    private void Occupy(ModelState state, LoadedModel? loaded, Guid modelId)
    {
        var activeBefore = _active?.Version;
        lock (_slots)
        {
            switch (state)
            {
                case ModelState.Active:
                    var oldActive = _active;
                    _active = loaded;
                    ManualModeReason = null;
                    oldActive?.Release();
                    if (_shadow?.RegistrationId == modelId)
                    {
                        var oldShadow = _shadow;
                        _shadow = null;
                        oldShadow.Release();
                    }
                    break;
                case ModelState.Shadow:
                    var replaced = _shadow;
                    _shadow = loaded;
                    replaced?.Release();
                    break;
                default:
                    if (_shadow?.RegistrationId == modelId)
                    {
                        var retired = _shadow;
                        _shadow = null;
                        retired.Release();
                    }
                    break;
            }
        }
        RaiseIfActiveChanged(activeBefore);
    }

    /// <summary>
    /// Re-activates the model that was active before the current one. <paramref name="from"/>: the active model the caller
    /// is rolling back from (name@version). Without it a retried or repeated rollback flips back again (B to A, then A
    /// to B): a second tab's confirmation, or a client that retried after a lost answer, undid the first (review of the
    /// registry, 2026-12-06); with it, the repeat is refused and nothing changes.
    /// </summary>
    public async Task<RegisteredModelView> RollbackAsync(Actor actor, CancellationToken cancellationToken, string? from = null)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await RefuseIfActiveIsNotAsync(db, from, cancellationToken);
        var rolledBackFrom = await RolledBackFromAsync(db, cancellationToken);
        var previous = (await db.RegisteredModels.AsNoTracking()
                .Where(m => m.State != ModelState.Active && m.ActivatedAt != null)
                .OrderByDescending(m => m.ActivatedAt)
                .ToListAsync(cancellationToken))
            .FirstOrDefault(m => !WasRolledBackFrom(m, rolledBackFrom))
            ?? throw new ModelStateConflictException(NothingToRollBackTo);
        return await ChangeStateAsync(previous.Id, ModelState.Active, actor, cancellationToken, expectedActive: from);
    }

    public const string NothingToRollBackTo =
        "No model was active before the current one, other than one rolled back from (promote it to use it again); there is nothing to roll back to.";

    /// <summary>
    /// When each model was last rolled back from (the "model.rolled_back" audit events name the model they replaced).
    /// Rollback goes back past such a model: after B was rolled back to A, "roll back" offered B again, the model just
    /// found wanting (exploratory pass, 2026-12-06); a model rolled back from comes back by a promotion only.
    /// </summary>
    private static async Task<Dictionary<string, DateTime>> RolledBackFromAsync(GraderDb db, CancellationToken cancellationToken)
    {
        var events = await db.AuditEvents.AsNoTracking()
            .Where(e => e.EntityType == nameof(RegisteredModel) && e.Action == "model.rolled_back")
            .Select(e => new { e.At, e.DataJson }).ToListAsync(cancellationToken);
        var last = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (e.DataJson is not { } json)
            {
                continue;
            }
            using var data = JsonDocument.Parse(json);
            if (data.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("replaced", out var replaced)
                && replaced.GetString() is { } version && (!last.TryGetValue(version, out var at) || e.At > at))
            {
                last[version] = e.At;
            }
        }
        return last;
    }

    /// <summary>Rolled back from since it was last made active.</summary>
    private static bool WasRolledBackFrom(RegisteredModel model, Dictionary<string, DateTime> rolledBackFrom) =>
        rolledBackFrom.TryGetValue(model.ModelVersion, out var at) && model.ActivatedAt is { } activated && at >= activated;

    private static string ChangedMeanwhile(string outcome) =>
        $"The models were changed at the same moment by someone else (perhaps on another node): {outcome}. Look at them again first.";

    private async Task<bool> VersionRegisteredAsync(string modelVersion)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return await db.RegisteredModels.AnyAsync(m => m.ModelVersion == modelVersion);
    }

    /// <summary>What a confirmation names when no model was active (manual mode): <see cref="RefuseIfActiveIsNotAsync"/>
    /// then refuses if one is active by now.</summary>
    public const string NoActiveModel = "";

    /// <summary>Refuses a change confirmed against an active model that is no longer the active one (null: no check;
    /// <see cref="NoActiveModel"/>: none was active).</summary>
    private static async Task RefuseIfActiveIsNotAsync(GraderDb db, string? expectedActive, CancellationToken cancellationToken)
    {
        if (expectedActive is null)
        {
            return;
        }
        var active = await db.RegisteredModels.AsNoTracking().Where(m => m.State == ModelState.Active)
            .Select(m => m.ModelVersion).FirstOrDefaultAsync(cancellationToken) ?? NoActiveModel;
        if (!string.Equals(active, expectedActive, StringComparison.Ordinal))
        {
            var was = expectedActive == NoActiveModel ? "No model was active when you were asked" : $"{expectedActive} is not the active model any more";
            throw new ModelStateConflictException(
                $"{was} ({(active == NoActiveModel ? "none" : active)} is now): someone changed the models meanwhile, and nothing was changed. Look at them again first.");
        }
    }

    public async Task<IReadOnlyList<RegisteredModelView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var models = await db.RegisteredModels.AsNoTracking().OrderByDescending(m => m.RegisteredAt).ToListAsync(cancellationToken);
        var rolledBackFrom = await RolledBackFromAsync(db, cancellationToken);
        return models.OrderBy(m => m.State).ThenByDescending(m => m.RegisteredAt)
            .Select(m => ToView(m) with { RolledBackFrom = WasRolledBackFrom(m, rolledBackFrom) }).ToList();
    }

    private void Swap(LoadedModel? active, LoadedModel? shadow, string? manualModeReason)
    {
        var activeBefore = _active?.Version;
        lock (_slots)
        {
            var (oldActive, oldShadow) = (_active, _shadow);
            (_active, _shadow) = (active, shadow);
            ManualModeReason = active is null ? manualModeReason : null;
            oldActive?.Release();
            oldShadow?.Release();
        }
        if (active is null)
        {
            LogManualMode(logger, manualModeReason ?? "no model");
        }
        RaiseIfActiveChanged(activeBefore);
    }

    private static RegisteredModelView ToView(RegisteredModel m) => new(
        m.Id, m.ModelVersion, m.State, m.Sha256, m.ByteSize, m.RegisteredBy, m.RegisteredAt, m.ActivatedAt,
        m.ManifestSummaryJson is null ? null : JsonDocument.Parse(m.ManifestSummaryJson).RootElement,
        m.ValidationJson is null ? null : JsonDocument.Parse(m.ValidationJson).RootElement);

    private static string Summary(ModelManifest manifest) => JsonSerializer.Serialize(new
    {
        manifest.Name, manifest.Version, manifest.RubricVersion, input = new { manifest.Input.Width, manifest.Input.Height },
        regions = manifest.HasDamageMap, metrics = manifest.Metrics,
    }, ExportJson);

    private static AuditEvent Audit(DateTime at, string actorId, string actorName, string action, string version, object data) => new()
    {
        At = at, ActorId = actorId, ActorName = actorName, Action = action, EntityType = nameof(RegisteredModel), EntityId = version,
        DataJson = JsonSerializer.Serialize(data),
    };

    /// <summary>A new folder name for a version: readable, safe, and unique (a registration never reuses another's folder).</summary>
    private static string FolderFor(string version) =>
        new string(version.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '@' ? c : '_').ToArray())
        + "-" + Guid.NewGuid().ToString("N")[..12];

    private static string Sha256Of(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    /// <summary>The files a model needs (the network, its manifest or Hugging Face configs, its card); not training extras.</summary>
    private static void CopyModelFiles(string source, string target)
    {
        System.IO.Directory.CreateDirectory(target);
        foreach (var file in System.IO.Directory.EnumerateFiles(source))
        {
            var name = Path.GetFileName(file);
            if (name.EndsWith(".onnx", StringComparison.Ordinal) || (name.EndsWith(".json", StringComparison.Ordinal) && name != "golden.json")
                || name.EndsWith(".md", StringComparison.Ordinal))
            {
                File.Copy(file, Path.Combine(target, name), overwrite: true);
            }
        }
    }

    public void Dispose()
    {
        lock (_slots)
        {
            _active?.Release();
            _shadow?.Release();
            (_active, _shadow) = (null, null);
        }
        _changes.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The manifest of model {ModelVersion} cannot be read, so its grade head decides alone and any confidence may prefill: {Reason}")]
    private static partial void LogManifestUnreadable(ILogger logger, string modelVersion, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model {ModelVersion} is active in the database but cannot be loaded on this node; still suggesting with the previous model: {Reason}")]
    private static partial void LogFollowFailed(ILogger logger, string modelVersion, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model {ModelVersion} could not be written to or read from the models folder {Folder}; nothing was changed")]
    private static partial void LogFolderUnwritable(ILogger logger, Exception exception, string modelVersion, string folder);

    [LoggerMessage(Level = LogLevel.Error, Message = "An uploaded model could not be written to the models folder {Folder}; nothing was registered")]
    private static partial void LogUploadUnwritable(ILogger logger, Exception exception, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A model folder whose registration did not commit could not be removed: {Folder}")]
    private static partial void LogFolderLeft(ILogger logger, Exception exception, string folder);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {ModelVersion} was not on this node: written to {Folder} from the database")]
    private static partial void LogWrittenFromDatabase(ILogger logger, string modelVersion, string folder);

    [LoggerMessage(Level = LogLevel.Information, Message = "Vision model {ModelVersion} loaded ({Slot})")]
    private static partial void LogLoaded(ILogger logger, string modelVersion, string slot);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Manual mode, no suggestions: {Reason}")]
    private static partial void LogManualMode(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shadow model {ModelVersion} cannot be loaded and does not run: {Reason}")]
    private static partial void LogShadowFailed(ILogger logger, string modelVersion, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {ModelVersion}: {Action} by {Actor}")]
    private static partial void LogStateChanged(ILogger logger, string modelVersion, string action, string actor);
}
