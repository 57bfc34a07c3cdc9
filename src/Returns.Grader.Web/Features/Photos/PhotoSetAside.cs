using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;
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
    /// <summary>
    /// Sets the photo aside; null when there is no such photo. Setting aside again for the same reason changes nothing; for
    /// another reason only the reason changes (when and by whom stay the first set-aside's). <paramref name="shownItemVersion"/>:
    /// the item's version as the caller saw it; changed since (a grade, a photo), the set-aside is refused, so that it does
    /// not carry the caller past a change they have not seen.
    /// </summary>
    public Task<PhotoSetAsideState?> SetAsideAsync(Guid photoId, PhotoSetAsideReason reason, Actor actor, Guid? shownItemVersion, CancellationToken cancellationToken) =>
        ChangeAsync(photoId, reason, actor, shownItemVersion, cancellationToken);

    /// <summary>Puts a set-aside photo back among the item's photos; null when there is no such photo. A photo that counts already is left as it is.</summary>
    public Task<PhotoSetAsideState?> PutBackAsync(Guid photoId, Actor actor, Guid? shownItemVersion, CancellationToken cancellationToken) =>
        ChangeAsync(photoId, null, actor, shownItemVersion, cancellationToken);

    private async Task<PhotoSetAsideState?> ChangeAsync(Guid photoId, PhotoSetAsideReason? reason, Actor actor, Guid? shownItemVersion, CancellationToken cancellationToken)
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
            if (shownItemVersion is { } shown && shown != item.Version)
            {
                throw ChangedMeanwhile(item.ReturnId);
            }
            var now = clock.GetUtcNow().UtcDateTime;
            var earlier = photo.SetAsideReason;
            if (reason is null)
            {
                (photo.SetAsideAt, photo.SetAsideReason, photo.SetAsideById, photo.SetAsideByName) = (null, null, null, null);
                photo.CountedSince = now; // a grade given before now was given with the photo set aside: bulk approval leaves it to a person
            }
            else if (earlier is null)
            {
                (photo.SetAsideAt, photo.SetAsideReason, photo.SetAsideById, photo.SetAsideByName) = (now, reason, actor.Id, actor.Name);
            }
            else
            {
                photo.SetAsideReason = reason; // set aside since then: exports and bulk approval go by that time
            }
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
            catch (DbUpdateConcurrencyException)
            {
                // The item changed meanwhile (a grade, a photo). A caller who named the version they saw has not seen
                // that change: refused. Without one, the set-aside does not depend on the item: read it again.
                if (shownItemVersion is not null || attempt >= 5)
                {
                    throw ChangedMeanwhile(item.ReturnId);
                }
            }
        }
    }

    private static ConcurrencyConflictException ChangedMeanwhile(string returnId) =>
        new($"Item {returnId} changed after you opened it (graded, or a photo added, set aside or put back): nothing was set aside or put back. Look at it again first.");

    private static PhotoSetAsideState StateOf(Photo photo, ReturnItem item) =>
        new(photo.Id, item.Id, item.Version, photo.SetAsideReason, photo.SetAsideAt, photo.SetAsideByName);
}
