using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Returns.Grader.Vision.Inference;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;

namespace Returns.Grader.Web.Features.Models;

/// <summary>The registry's switches: promote, shadow, retire and roll back, each loaded before it is saved, and audited.</summary>
public sealed partial class ModelRegistry
{
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
}
