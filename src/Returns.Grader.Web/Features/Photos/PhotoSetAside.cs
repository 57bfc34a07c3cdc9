using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Photos;

/// <summary>A photo's state after a set-aside or a put-back: the item's new version is what a grade must be sent with next.</summary>
public sealed record PhotoSetAsideState(Guid PhotoId, Guid ItemId, Guid ItemVersion, PhotoSetAsideReason? Reason, DateTime? SetAsideAt, string? SetAsideBy);

/// <summary>A grader asked to set aside or put back a photo of an item a supervisor has made final.</summary>
public sealed class PhotoOfFinalItemException(string returnId)
    : DomainProblemException($"Item {returnId} has a supervisor's final grade: only a supervisor may set its photos aside or put them back.")
{
    public override int Status => StatusCodes.Status409Conflict;
    public override string Title => "The grade is final";
    public override IReadOnlyDictionary<string, object?> Extensions => new Dictionary<string, object?> { ["reason"] = "item_final" };
}

/// <summary>
/// Sets a photo aside (a photo of another item, or of nothing) and puts it back (ADR 0052). The photo is never deleted:
/// it stays stored, served and audited, so a mistake is undone by putting it back, and who set it aside and why is kept.
/// Each change gives the item a new version, as a new photo does: the item's suggestion changed, and a grade sent with
/// the version read before it was given with the photo counted.
/// </summary>
public sealed class PhotoSetAside(IDbContextFactory<GraderDb> dbFactory, TimeProvider clock)
{
    /// <summary>Sets the photo aside; null when there is no such photo. Setting aside again for the same reason changes nothing.</summary>
    public Task<PhotoSetAsideState?> SetAsideAsync(Guid photoId, PhotoSetAsideReason reason, Actor actor, CancellationToken cancellationToken) =>
        ChangeAsync(photoId, reason, actor, cancellationToken);

    /// <summary>Puts a set-aside photo back among the item's photos; null when there is no such photo. A photo that counts already is left as it is.</summary>
    public Task<PhotoSetAsideState?> PutBackAsync(Guid photoId, Actor actor, CancellationToken cancellationToken) =>
        ChangeAsync(photoId, null, actor, cancellationToken);

    private async Task<PhotoSetAsideState?> ChangeAsync(Guid photoId, PhotoSetAsideReason? reason, Actor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var photo = await db.Photos.SingleOrDefaultAsync(p => p.Id == photoId, cancellationToken);
            if (photo is null)
            {
                return null;
            }
            var item = await db.ReturnItems.SingleAsync(i => i.Id == photo.ReturnItemId, cancellationToken);
            // A final label was given with the photos it had; only the person whose word that label is may change what
            // it covers (a grader's set-aside would silently change a supervisor's exported label).
            if (item.Status == ItemStatus.Final && actor.Role is not (Roles.Supervisor or Roles.Admin))
            {
                throw new PhotoOfFinalItemException(item.ReturnId);
            }
            if (photo.SetAsideReason == reason)
            {
                return StateOf(photo, item); // already so: a retried request, or two people agreeing
            }
            var now = clock.GetUtcNow().UtcDateTime;
            var earlier = photo.SetAsideReason;
            var settingAside = reason is not null;
            photo.SetAsideReason = reason;
            photo.SetAsideAt = settingAside ? now : null;
            photo.SetAsideById = settingAside ? actor.Id : null;
            photo.SetAsideByName = settingAside ? actor.Name : null;
            item.UpdatedAt = now; // a new version (GraderDb.RenewVersions): the item's suggestion and photos changed
            db.AuditEvents.Add(new AuditEvent
            {
                At = now,
                ActorId = actor.Id,
                ActorName = actor.Name,
                Action = reason is null ? "photo.put_back" : "photo.set_aside",
                EntityType = nameof(ReturnItem),
                EntityId = item.Id.ToString(),
                DataJson = JsonSerializer.Serialize(new
                {
                    photoId,
                    reason = reason is { } r ? WireName<PhotoSetAsideReason>.Of(r) : null,
                    was = earlier is { } e ? WireName<PhotoSetAsideReason>.Of(e) : null,
                }),
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return StateOf(photo, item);
            }
            catch (DbUpdateConcurrencyException) when (attempt < 5)
            {
                // The item changed meanwhile (a grade, a photo): the set-aside does not depend on it, so read it again.
            }
        }
    }

    private static PhotoSetAsideState StateOf(Photo photo, ReturnItem item) =>
        new(photo.Id, item.Id, item.Version, photo.SetAsideReason, photo.SetAsideAt, photo.SetAsideByName);
}
