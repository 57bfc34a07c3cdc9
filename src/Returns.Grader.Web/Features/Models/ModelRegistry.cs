using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Returns.Grader.Vision.Inference;
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
        // whether the station's too-small warning runs on this model (ADR 0029): a model without it switches the
        // warning off when promoted, which the Models page says before it asks
        tooSmallWarning = manifest.ItemSize is not null,
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
