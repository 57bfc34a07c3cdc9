using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using Returns.Grader.Vision.Inference;
using Returns.Grader.Vision.Photos;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Models;
using Returns.Grader.Web.Infrastructure;
using Returns.Grader.Web.Infrastructure.Telemetry;

namespace Returns.Grader.Web.Features.Photos;

public sealed record IncomingPhoto(string FileName, byte[] Content);

/// <summary>A kept photo and what the active model suggested for it (null in manual mode).</summary>
public sealed record IntakeResult(Photo Photo, Suggestion? Suggestion);

/// <summary>A photo for an item whose label a supervisor has made final: no grade can follow, so no photo is kept.</summary>
public sealed class ItemClosedToPhotosException(string returnId)
    : DomainProblemException($"Item {returnId} has a supervisor's final grade: photos can no longer be added to it.")
{
    public override int Status => StatusCodes.Status409Conflict;
    public override string Title => "The grade is final";
    public override IReadOnlyDictionary<string, object?> Extensions => new Dictionary<string, object?> { ["reason"] = "item_final" };
}

/// <summary>
/// The photo store failed to keep a photo (disk full or not writable, blob storage not answering): nothing of the
/// request was kept. A 503 with Retry-After, as a full intake is, rather than a bare 500 (operator pass, 2026-12-05); the
/// store's own words (a path, a container) go to the log, not to the caller.
/// </summary>
public sealed class PhotoStoreFailedException(Exception cause)
    : DomainProblemException("The photo could not be stored, so nothing of this upload was kept: the photo store is full, not writable or not answering. Send it again later; if this goes on, tell a supervisor.", cause)
{
    public const int RetryAfterSeconds = 10;

    public override int Status => StatusCodes.Status503ServiceUnavailable;
    public override string Title => "The photo store cannot keep photos";

    public override IReadOnlyDictionary<string, object?> Extensions =>
        new Dictionary<string, object?> { ["reason"] = "photo_store_failed", ["retryAfterSeconds"] = RetryAfterSeconds };

    public override IReadOnlyDictionary<string, string> Headers =>
        new Dictionary<string, string> { ["Retry-After"] = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) };
}

/// <summary>A file that was not kept, named so the sender knows which one and why.</summary>
public sealed class PhotoUploadRejectedException(string fileName, PhotoRejection reason, string message)
    : DomainProblemException($"{fileName}: {message}")
{
    public string FileName { get; } = fileName;
    public PhotoRejection Reason { get; } = reason;
    public string Detail { get; } = message;

    public override int Status => Reason switch
    {
        PhotoRejection.TooManyBytes => StatusCodes.Status413PayloadTooLarge,
        PhotoRejection.UnsupportedFormat => StatusCodes.Status415UnsupportedMediaType,
        _ => StatusCodes.Status400BadRequest,
    };

    public override string Title => Reason switch
    {
        PhotoRejection.TooManyBytes => "Photo file too large",
        PhotoRejection.UnsupportedFormat => "Not a supported photo format",
        PhotoRejection.TooManyPixels => "Photo dimensions too large",
        PhotoRejection.TooFewPixels => "Photo too small",
        PhotoRejection.Empty => "Empty file",
        _ => "Unreadable photo",
    };

    public override IReadOnlyDictionary<string, object?> Extensions =>
        new Dictionary<string, object?> { ["fileName"] = FileName, ["reason"] = Reason.ToString() };
}

/// <summary>
/// Takes uploaded photos for an item: every file is decoded, checked and re-encoded (Vision.PhotoSanitizer) before
/// anything is kept. A request is all or nothing: if one file is rejected, none of its files is stored.
/// </summary>
public sealed partial class PhotoIntake(
    IDbContextFactory<GraderDb> dbFactory,
    IPhotoStore store,
    IOptions<PhotoOptions> options,
    ModelRegistry models,
    IntakeAdmission admission,
    TimeProvider clock,
    GraderMetrics metrics,
    ILogger<PhotoIntake> logger) : IDisposable
{
    private readonly SemaphoreSlim _decodeSlots = new(options.Value.MaxConcurrentPhotos);
    private readonly ItemTurns _itemTurns = new();

    /// <summary>
    /// Returns the stored photos with their suggestions, or null when there is no such item; throws
    /// <see cref="IntakeBusyException"/> when intake is full (nothing kept) and <see cref="PhotoUploadRejectedException"/>
    /// for a file that is not a usable photo.
    /// </summary>
    public async Task<IReadOnlyList<IntakeResult>?> AddAsync(Guid itemId, IReadOnlyList<IncomingPhoto> files, Actor actor, CancellationToken cancellationToken)
    {
        await using (var lookup = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var item = await lookup.ReturnItems.AsNoTracking().Where(i => i.Id == itemId).Select(i => new { i.ReturnId, i.Status }).SingleOrDefaultAsync(cancellationToken);
            if (item is null)
            {
                return null;
            }
            // A photo after the final label was exported under that label, which nobody gave it (API pass, 2026-12-05);
            // no grade can follow a final one, so no photo is kept for it either.
            if (item.Status == ItemStatus.Final)
            {
                throw new ItemClosedToPhotosException(item.ReturnId);
            }
        }

        // From here on the photos cost CPU: only as many as the machine can work through in time get in.
        using var admitted = await AdmitAsync(files.Count, cancellationToken);
        using var trace = metrics.StartIntake(itemId, files.Count);
        var limits = options.Value.ToLimits();
        // The models this request started with stay loaded until it is done, even if someone switches them meanwhile.
        using var lease = models.Acquire();
        ManifestInput[] inputs = [.. new[] { lease.Active, lease.Shadow }.OfType<GradeModel>().Select(m => m.Manifest.Input)];
        SanitizedPhoto[] sanitized;
        string[] hashes;
        using var itemTurn = _itemTurns.For(itemId); // taken below, released when the request is done
        Dictionary<string, Photo> kept;
        Guid? seenVersion;
        using (trace.Stage(IntakeStage.Sanitize))
        {
            sanitized = await Task.WhenAll(files.Select(file => SanitizeAsync(file, limits, inputs, cancellationToken)));
            // The same photo sent again for the same item is the one already kept: a browser resends a request whose
            // answer it lost (a dropped connection), and the item showed the photo twice, the model's boxes with it
            // (exploratory pass, 2026-12-05). Re-encoding is deterministic, so the kept copy's hash tells.
            hashes = [.. sanitized.Select(photo => Convert.ToHexStringLower(SHA256.HashData(photo.Jpeg)))];
            // From the look for a kept copy to the commit, one request per item at a time: a resend that overtook its
            // first try (both in flight after a reset connection) found no copy yet and both were stored.
            await itemTurn.TakeAsync(cancellationToken);
            await using var lookup = await dbFactory.CreateDbContextAsync(cancellationToken);
            // The item's version before the look for a kept copy: the commit below expects it unchanged, so a photo another
            // node kept meanwhile (or a grade) is noticed there, not read past. Read after the look, it could already
            // include a copy the look had missed, and both copies were kept (clean-clone run, 2026-12-05: 1 of 6 rounds).
            seenVersion = await lookup.ReturnItems.Where(i => i.Id == itemId).Select(i => (Guid?)i.Version).SingleOrDefaultAsync(cancellationToken);
            kept = await KeptCopiesAsync(lookup, itemId, hashes, cancellationToken);
        }
        var fresh = Enumerable.Range(0, files.Count).Where(i => !kept.ContainsKey(hashes[i]) && Array.IndexOf(hashes, hashes[i]) == i).ToArray();
        var keptResults = await KeptResultsAsync(kept.Values, cancellationToken);
        if (fresh.Length == 0)
        {
            return [.. hashes.Select(hash => keptResults[hash])];
        }
        files = [.. fresh.Select(i => files[i])];
        sanitized = [.. fresh.Select(i => sanitized[i])];

        var now = clock.GetUtcNow().UtcDateTime;
        var photos = sanitized.Select((photo, index) => new Photo
        {
            Id = Guid.CreateVersion7(),
            ReturnItemId = itemId,
            StorageKey = $"{now:yyyy/MM/dd}/{Guid.NewGuid():N}.jpg",
            ContentType = "image/jpeg",
            Width = photo.Width,
            Height = photo.Height,
            ByteSize = photo.Jpeg.Length,
            Sha256 = hashes[fresh[index]],
            OriginalFileName = TrimFileName(files[index].FileName),
            SourceFormat = photo.SourceFormat.ToString().ToLowerInvariant(),
            SourceWidth = photo.SourceWidth,
            SourceHeight = photo.SourceHeight,
            QualityWarnings = photo.QualityWarnings.Count > 0 ? string.Join(',', photo.QualityWarnings) : null,
            UploadedBy = actor.Id,
            UploadedAt = now,
        }).ToList();

        var stored = new List<string>();
        try
        {
            using (trace.Stage(IntakeStage.Store))
            {
                for (var i = 0; i < photos.Count; i++)
                {
                    try
                    {
                        await store.SaveAsync(photos[i].StorageKey, sanitized[i].Jpeg, cancellationToken);
                    }
                    catch (Exception e) when ((e is IOException or UnauthorizedAccessException) && !cancellationToken.IsCancellationRequested)
                    {
                        LogStoreFailed(logger, e, photos[i].StorageKey);
                        throw new PhotoStoreFailedException(e);
                    }
                    stored.Add(photos[i].StorageKey);
                }
            }

            List<Prediction> predictions;
            using (trace.Stage(IntakeStage.Infer))
            {
                predictions = lease.Active is { } active ? await PredictAsync(active, 0, isShadow: false, photos, sanitized, now, cancellationToken) : [];
                if (lease.Active is null)
                {
                    metrics.ManualMode(photos.Count, modelFailed: false);
                }
                if (lease.Shadow is { } shadow)
                {
                    // Stored for the comparison, never shown; a failing shadow costs nothing but its own predictions.
                    predictions.AddRange(await PredictAsync(shadow, lease.Active is null ? 0 : 1, isShadow: true, photos, sanitized, now, cancellationToken));
                }
            }

            using var storingRows = trace.Stage(IntakeStage.Store); // the rest of the store stage: the rows' commit
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            // Kept now, not when the request came in: a label covers the photos kept before it was given (exports and
            // model comparisons pair them so), and a grade saved while this request was decoding had not seen them.
            var keptAt = clock.GetUtcNow().UtcDateTime;
            foreach (var photo in photos)
            {
                photo.UploadedAt = keptAt;
            }
            db.Photos.AddRange(photos);
            db.Predictions.AddRange(predictions);
            if (lease.Active?.Manifest.ItemSize is { } itemSize)
            {
                await FlagItemTooSmallAsync(db, itemId, lease.Active.Manifest.ModelVersion, itemSize, photos, predictions, cancellationToken);
            }
            var audit = new AuditEvent
            {
                At = now,
                ActorId = actor.Id,
                ActorName = actor.Name,
                Action = "photos.added",
                EntityType = nameof(ReturnItem),
                EntityId = itemId.ToString(),
                DataJson = PhotosAddedData(photos),
            };
            db.AuditEvents.Add(audit);
            var keptMeanwhile = await SaveWithNewItemVersionAsync(db, itemId, seenVersion, keptAt, audit, clock, cancellationToken);
            if (keptMeanwhile.Count > 0)
            {
                // Another node kept the same photo for this item while this one was storing it (a resend that reached
                // another node, where this node's turn per item does not reach): the copy kept first is the photo, and
                // this one's file goes (two-node pass, 2026-12-05: both were kept in 2 runs of 3).
                var left = photos.Zip(stored).Where(pair => keptMeanwhile.Contains(pair.First.Id)).ToList();
                foreach (var (photo, key) in left)
                {
                    photos.Remove(photo);
                    stored.Remove(key);
                    await DeleteQuietlyAsync(key);
                }
                await using var again = await dbFactory.CreateDbContextAsync(cancellationToken);
                var keptElsewhere = await KeptCopiesAsync(again, itemId, [.. left.Select(pair => pair.First.Sha256)], cancellationToken);
                foreach (var (hash, result) in await KeptResultsAsync(keptElsewhere.Values, cancellationToken))
                {
                    keptResults[hash] = result;
                }
            }
            var results = new Dictionary<string, IntakeResult>(keptResults, StringComparer.Ordinal);
            foreach (var photo in photos)
            {
                results[photo.Sha256] = new IntakeResult(photo,
                    predictions.FirstOrDefault(p => p.PhotoId == photo.Id && !p.IsShadow) is { } prediction ? Suggestions.ForPhoto(prediction) : null);
            }
            return [.. hashes.Select(hash => results[hash])]; // one answer per file sent, in order
        }
        catch
        {
            // Nothing half-kept: files whose rows did not commit are removed.
            foreach (var key in stored)
            {
                await DeleteQuietlyAsync(key);
            }
            throw;
        }
    }

    /// <summary>
    /// Commits the new rows and gives the item a new version: a grade sent with the version read before these photos
    /// was given without them, and is refused as changed (API pass, 2026-12-05: it was stored, and its suggested grade
    /// was one the grader never saw). A grade committed meanwhile is not a conflict for a photo: its version is taken up
    /// and the save tried again.
    /// </summary>
    /// <remarks>
    /// The item's row is where two requests for one item meet across nodes: the later commit finds the version changed.
    /// Before it tries again it looks for photos with the same content kept meanwhile (another node's copy of this
    /// upload), leaves those out of its own commit, and returns their ids; with nothing left to add it commits nothing.
    /// </remarks>
    /// <remarks>
    /// A retry stamps the photos kept again: a grade committed meanwhile was given without them, and with the first
    /// stamp (taken before that grade) exports and model comparisons counted them under its label (review, 2026-12-06).
    /// </remarks>
    internal static async Task<HashSet<Guid>> SaveWithNewItemVersionAsync(
        GraderDb db, Guid itemId, Guid? seenVersion, DateTime keptAt, AuditEvent audit, TimeProvider clock, CancellationToken cancellationToken)
    {
        var item = await db.ReturnItems.SingleAsync(i => i.Id == itemId, cancellationToken);
        // Made final since intake first looked (while the photos were decoded): no photo after a final label. Made final
        // after this read, the item's new version makes the save below fail, and the retry looks again.
        if (item.Status == ItemStatus.Final)
        {
            throw new ItemClosedToPhotosException(item.ReturnId);
        }
        if (seenVersion is { } seen)
        {
            db.Entry(item).Property(i => i.Version).OriginalValue = seen; // changed since the look for a kept copy: a conflict
        }
        item.UpdatedAt = keptAt; // a modified item gets a new version (GraderDb.RenewVersions)
        var left = new HashSet<Guid>();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return left;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 5)
            {
                var entry = db.Entry(item);
                var current = await entry.GetDatabaseValuesAsync(cancellationToken) ?? throw new InvalidOperationException($"Item {itemId} is gone.");
                entry.OriginalValues.SetValues(current);
                if (current.GetValue<ItemStatus>(nameof(ReturnItem.Status)) == ItemStatus.Final)
                {
                    throw new ItemClosedToPhotosException(current.GetValue<string>(nameof(ReturnItem.ReturnId)));
                }
                keptAt = clock.GetUtcNow().UtcDateTime;
                item.UpdatedAt = keptAt;
                var adding = db.ChangeTracker.Entries<Photo>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();
                foreach (var photo in adding)
                {
                    photo.UploadedAt = keptAt;
                }
                var keptElsewhere = await KeptCopiesAsync(db, itemId, [.. adding.Select(p => p.Sha256)], cancellationToken);
                foreach (var photo in adding.Where(p => keptElsewhere.ContainsKey(p.Sha256)))
                {
                    foreach (var prediction in db.ChangeTracker.Entries<Prediction>().Where(e => e.Entity.PhotoId == photo.Id).ToList())
                    {
                        prediction.State = EntityState.Detached;
                    }
                    db.Entry(photo).State = EntityState.Detached;
                    left.Add(photo.Id);
                }
                var stillAdding = adding.Where(p => !left.Contains(p.Id)).ToList();
                if (stillAdding.Count == 0)
                {
                    db.ChangeTracker.Clear(); // every photo was kept elsewhere: nothing of this request to commit
                    return left;
                }
                audit.DataJson = PhotosAddedData(stillAdding);
            }
        }
    }

    /// <summary>
    /// The active model's too-small rule (its manifest's <c>item_size</c>, ADR 0029), the one place it is applied: the
    /// photos under the line carry the warning like intake's own (a shadow model's box is never used). A rule judged per
    /// item (<c>min_photos</c> above 1) counts the item's earlier photos under the line too (those that count, predicted
    /// by the same model), and calls them too small together once there are enough; the earlier ones get the warning in
    /// the same commit: a photo's stored warnings are what the station shows and what a grade records. A photo set aside
    /// later keeps the warnings it was given with the others (they are not worked out again).
    /// </summary>
    private static async Task FlagItemTooSmallAsync(
        GraderDb db, Guid itemId, string modelVersion, ItemSizeSettings rule, List<Photo> photos, List<Prediction> predictions, CancellationToken cancellationToken)
    {
        var under = photos.Where(photo => predictions.Any(p => p.PhotoId == photo.Id && !p.IsShadow && p.ItemShare is { } share && rule.IsTooSmall(share))).ToList();
        if (under.Count == 0)
        {
            return; // nothing new under the line: the earlier photos were judged when the last of them came in
        }
        if (rule.MinPhotos > 1) // judged per photo, the earlier photos under the line were flagged when they came in
        {
            var below = rule.TooSmallBelow;
            under.AddRange(await db.Photos
                .Where(p => p.ReturnItemId == itemId && p.SetAsideAt == null
                    && p.Predictions.Any(prediction => !prediction.IsShadow && prediction.ModelVersion == modelVersion && prediction.ItemShare < below))
                .ToListAsync(cancellationToken));
        }
        if (under.Count < rule.MinPhotos)
        {
            return;
        }
        foreach (var photo in under)
        {
            photo.QualityWarnings = WithSmallItem(photo.QualityWarnings);
        }
    }

    private static string WithSmallItem(string? warnings) =>
        warnings is null ? PhotoQuality.SmallItem
        : warnings.Split(',').Contains(PhotoQuality.SmallItem, StringComparer.Ordinal) ? warnings
        : $"{warnings},{PhotoQuality.SmallItem}";

    /// <summary>The item's photos with these contents, the first kept of each, by hash.</summary>
    private static async Task<Dictionary<string, Photo>> KeptCopiesAsync(GraderDb db, Guid itemId, IReadOnlyCollection<string> hashes, CancellationToken cancellationToken) =>
        (await db.Photos.AsNoTracking().Where(p => p.ReturnItemId == itemId && hashes.Contains(p.Sha256)).ToListAsync(cancellationToken))
            .GroupBy(p => p.Sha256).ToDictionary(g => g.Key, g => g.OrderBy(p => p.UploadedAt).First(), StringComparer.Ordinal);

    private static string PhotosAddedData(IEnumerable<Photo> photos) =>
        JsonSerializer.Serialize(photos.Select(p => new { p.Id, p.Width, p.Height, p.OriginalFileName }));

    private async Task DeleteQuietlyAsync(string key)
    {
        try
        {
            await store.DeleteAsync(key, CancellationToken.None);
        }
        catch (IOException e)
        {
            LogCleanupFailed(logger, e, key);
        }
    }

    /// <summary>The answers for photos the item already has, by hash: each with the newest suggestion shown for it.</summary>
    private async Task<Dictionary<string, IntakeResult>> KeptResultsAsync(IEnumerable<Photo> photos, CancellationToken cancellationToken)
    {
        var byId = photos.ToDictionary(p => p.Id);
        if (byId.Count == 0)
        {
            return new Dictionary<string, IntakeResult>(StringComparer.Ordinal);
        }
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ids = byId.Keys.ToList();
        var newest = (await db.Predictions.AsNoTracking().Where(p => ids.Contains(p.PhotoId) && !p.IsShadow).ToListAsync(cancellationToken))
            .GroupBy(p => p.PhotoId).ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.CreatedAt).First());
        return byId.Values.ToDictionary(p => p.Sha256,
            p => new IntakeResult(p, newest.TryGetValue(p.Id, out var prediction) ? Suggestions.ForPhoto(prediction) : null), StringComparer.Ordinal);
    }

    /// <summary>
    /// Runs the active model on the tensors made during sanitizing (one batch for the request). A failing model never
    /// costs the associate the photo: it is kept without a suggestion.
    /// </summary>
    private async Task<List<Prediction>> PredictAsync(
        GradeModel model, int input, bool isShadow, List<Photo> photos, SanitizedPhoto[] sanitized, DateTime now, CancellationToken cancellationToken)
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            var outputs = await model.RunAsync(sanitized.Select(s => s.ModelInputs[input]).ToList(), cancellationToken);
            var suggestions = outputs.Select((output, i) => model.Interpret(output, photos[i].Width, photos[i].Height)).ToList();
            var latencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds / photos.Count;
            if (!isShadow)
            {
                metrics.SuggestionsMade(model.Manifest.ModelVersion, photos.Count);
            }
            return suggestions.Select((suggestion, i) =>
                Suggestions.ToPrediction(photos[i].Id, suggestion, model.Manifest.ModelVersion, isShadow, latencyMs, now)).ToList();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever the model does wrong (ONNX Runtime, an output the interpreter cannot read), the photo is kept.
            LogInferenceFailed(logger, e, model.Manifest.ModelVersion);
            if (!isShadow)
            {
                metrics.ManualMode(photos.Count, modelFailed: true);
            }
            return [];
        }
    }

    private async Task<SanitizedPhoto> SanitizeAsync(IncomingPhoto file, PhotoLimits limits, IReadOnlyList<ManifestInput> modelInputs, CancellationToken cancellationToken)
    {
        await _decodeSlots.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(() => PhotoSanitizer.Sanitize(file.Content, limits, modelInputs), cancellationToken);
        }
        catch (PhotoRejectedException e)
        {
            var fileName = TrimFileName(file.FileName) ?? "(unnamed file)";
            LogRejected(logger, fileName, e.Reason);
            metrics.PhotoRejected(e.Reason);
            throw new PhotoUploadRejectedException(fileName, e.Reason, e.Message);
        }
        finally
        {
            _decodeSlots.Release();
        }
    }

    private async Task<IDisposable> AdmitAsync(int photos, CancellationToken cancellationToken)
    {
        try
        {
            return await admission.EnterAsync(photos, cancellationToken);
        }
        catch (IntakeBusyException)
        {
            metrics.PhotoRejected(GraderMetrics.BusyRejection);
            throw;
        }
    }

    private static string? TrimFileName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }
        // Control and format characters (a right-to-left override makes "gpj.exe" read as "exe.jpg") are dropped.
        var visible = new string(name.Where(c => !char.IsControl(c) && char.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.Format).ToArray());
        var bare = Path.GetFileName(visible.Replace('\\', '/')).Trim();
        return bare.Length == 0 ? null : bare.Length > 255 ? bare[..255] : bare;
    }

    public void Dispose()
    {
        _decodeSlots.Dispose();
        _itemTurns.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Model {ModelVersion} failed; photos kept without a suggestion")]
    private static partial void LogInferenceFailed(ILogger logger, Exception exception, string modelVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected upload {FileName}: {Reason}")]
    private static partial void LogRejected(ILogger logger, string fileName, PhotoRejection reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The photo store could not keep photo {Key}; the upload was answered 503 and nothing of it kept")]
    private static partial void LogStoreFailed(ILogger logger, Exception exception, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove photo {Key} after a failed upload")]
    private static partial void LogCleanupFailed(ILogger logger, Exception exception, string key);
}

/// <summary>
/// One photo request per item at a time on this node, from the look for an already kept copy to the commit (two items
/// may share a stripe and wait for each other: a few milliseconds, rarely). Per node: a station's requests reach one
/// node (sticky sessions, docs/operations.md); across nodes a resend that overtakes its first try could still store twice.
/// </summary>
internal sealed class ItemTurns : IDisposable
{
    private readonly SemaphoreSlim[] _stripes = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    public Turn For(Guid itemId) => new(_stripes[(itemId.GetHashCode() & int.MaxValue) % _stripes.Length]);

    public void Dispose()
    {
        foreach (var stripe in _stripes)
        {
            stripe.Dispose();
        }
    }

    internal sealed class Turn(SemaphoreSlim stripe) : IDisposable
    {
        private bool _taken;

        public async Task TakeAsync(CancellationToken cancellationToken)
        {
            await stripe.WaitAsync(cancellationToken);
            _taken = true;
        }

        public void Dispose()
        {
            if (_taken)
            {
                _taken = false;
                stripe.Release();
            }
        }
    }
}
