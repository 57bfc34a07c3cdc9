using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Grading;
using Returns.Grader.Web.Features.Photos;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Exports;

/// <summary>What a finished package holds (also stored on the job).</summary>
public sealed record PackageCounts(long Items, long Images, long Annotations, long MissingPhotos);

public sealed class ExportFailedException(string message) : Exception(message);

/// <summary>
/// Writes one dataset package (docs/dataset-package.md) as a zip, streaming: items are read in id order by one query,
/// their photos, regions and predictions a batch at a time, each photo is copied from the store straight into the zip
/// (<see cref="StreamingZipWriter"/>) and handed to each label format (<see cref="PackageFormat"/>: COCO, Hugging Face,
/// SageMaker, CSV), whose text grows in the work folder until it is appended at the end with package.json and the card.
/// Memory stays flat whatever the number of items; the work folder holds the text, never the photos.
/// </summary>
public sealed partial class DatasetPackageWriter(IDbContextFactory<GraderDb> dbFactory, IPhotoStore photos, RubricCatalog rubrics, ILogger<DatasetPackageWriter> logger)
{
    private const int BatchSize = 256;
    private static readonly string[] GradeNames = Enum.GetNames<Grade>();
    private static readonly DamageType[] DamageTypes = Enum.GetValues<DamageType>();
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>One item of the snapshot, with its current label.</summary>
    private sealed record ItemRow(
        Guid Id, string ReturnId, string Category, Guid DecisionId, DecisionKind Kind, Grade Grade, Disposition Disposition,
        string RubricVersion, string ActorId, string ActorName, DateTime DecidedAt, string? ReasonCode, bool GradePrefilled, bool Blind, bool DispositionPrefilled);

    private sealed record PhotoRow(Guid Id, Guid ReturnItemId, string StorageKey, int Width, int Height, DateTime UploadedAt);

    private sealed record RegionRow(Guid DecisionId, Guid? PhotoId, DamageType Type, int? X, int? Y, int? Width, int? Height, RegionSource Source);

    /// <summary>Writes the package to <paramref name="zipPath"/> (which must not exist); progress is reported per batch of items.</summary>
    public async Task<PackageCounts> WriteAsync(
        ExportJob job, ExportFilter filter, string zipPath, string workDirectory, string sageMakerPrefix,
        Func<long, long, CancellationToken, Task> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(progress);
        var name = PackageName(job.Number);
        Directory.CreateDirectory(workDirectory);
        var sageMakerImages = sageMakerPrefix.TrimEnd('/') + "/" + name + "/images/";
        await using var package = new Package(name, name + "/", new PackageTally(), [.. filter.IncludedFormats.Select(format => format switch
        {
            PackageFormats.Coco => (PackageFormat)new CocoFormat(workDirectory),
            PackageFormats.HuggingFace => new HuggingFaceFormat(workDirectory),
            PackageFormats.SageMaker => new SageMakerFormat(workDirectory, name, sageMakerImages),
            PackageFormats.Csv => new CsvFormat(workDirectory),
            _ => throw new ExportFailedException($"Unknown package format '{format}'."),
        })]);

        await using (var zipFile = new FileStream(zipPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
        {
            await using (var zip = new StreamingZipWriter(zipFile, Path.Combine(workDirectory, "central-directory.spool"), job.CreatedAt))
            {
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                var batch = new List<ItemRow>(BatchSize);
                // One reader streams the snapshot's items; each batch's photos and regions come by a second context.
                Guid? previousItem = null;
                await foreach (var item in Items(db, filter, job.CreatedAt).AsAsyncEnumerable().WithCancellation(cancellationToken))
                {
                    // One label per item, whatever the clocks did: a correction stamped after the snapshot by a fast clock,
                    // itself corrected by a decision stamped before it, left two of the item's decisions unreplaced by the
                    // snapshot (review of the session's diff, 2026-12-06); the newest by time is kept.
                    if (item.Id == previousItem)
                    {
                        continue;
                    }
                    previousItem = item.Id;
                    batch.Add(item);
                    if (batch.Count == BatchSize)
                    {
                        await WriteBatchAsync(zip, package, batch, job.CreatedAt, cancellationToken);
                        await progress(package.Tally.Items, package.Tally.Images, cancellationToken);
                        batch.Clear();
                    }
                }
                await WriteBatchAsync(zip, package, batch, job.CreatedAt, cancellationToken);
                await progress(package.Tally.Items, package.Tally.Images, cancellationToken);
                ThrowIfThePhotoStoreLooksGone(package.Tally);
                await WriteTextEntriesAsync(zip, package, job, filter, cancellationToken);
                await zip.FinishAsync(cancellationToken);
            }
            await zipFile.FlushAsync(cancellationToken);
            zipFile.Flush(flushToDisk: true);
        }
        return new PackageCounts(package.Tally.Items, package.Tally.Images, package.Tally.Annotations, package.Tally.MissingPhotos);
    }

    /// <summary>What every package's name starts with, before its number.</summary>
    public const string PackagePrefix = "returns-grader-labels-";

    public static string PackageName(int number) => $"{PackagePrefix}{number:D4}";

    /// <summary>
    /// A few lost photos are left out and counted; many are not "missing photos" but a photo store that is not there (an
    /// unmounted volume answers every read with "no such file"), and a package quietly short of most of its items would
    /// be retrained on (review of the session's diff, 2026-12-06). Over 10 photos and 1 % of them, or all of them, fails
    /// the export in words.
    /// </summary>
    private static void ThrowIfThePhotoStoreLooksGone(PackageTally tally)
    {
        var asked = tally.Images + tally.MissingPhotos;
        if (tally.MissingPhotos > 0 && (tally.Images == 0 || (tally.MissingPhotos > 10 && tally.MissingPhotos * 100 > asked)))
        {
            throw new ExportFailedException(
                $"{tally.MissingPhotos:N0} of the {asked:N0} photos were not in the photo store: it may not be mounted or reachable. " +
                "Nothing was exported; check the store and ask again (the server log names the photos).");
        }
    }

    /// <summary>Items of the snapshot: graded, current label decided by the snapshot time, matching the filter; id order.</summary>
    public static IQueryable<ItemRowProjection> Query(GraderDb db, ExportFilter filter, DateTime snapshot)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(filter);
        // Each item's label as of the snapshot: its latest decision made by then (decisions are append-only, so a later
        // review does not take the item out of an export asked for before it, nor out of a re-run after a restart).
        // An item's photos are those kept by the time of that decision: a label covers what its giver could see, and a
        // photo added later was exported under a label nobody gave it (API pass, 2026-12-05). Items without such a
        // photo are left out: an image dataset needs images. A photo set aside by the snapshot (another item's, or of
        // nothing: ADR 0052) is not the item's, and its boxes go with it. One put back is the item's again, under its labels
        // as before (a put-back is mostly the undo of a mistaken set-aside: counted only from then on, the label lost its photo).
        // "Latest" is the ledger's chain (each decision names the one it replaced), not the newest clock: two nodes' clocks
        // a second apart put a correction before the grade it replaced, and the replaced grade was exported; two equal
        // times exported the item twice (review of the export path, 2026-12-06). The item's own decisions are few and
        // indexed by (ReturnItemId, DecidedAt), so the check stays cheap.
        var query =
            from i in db.ReturnItems.AsNoTracking()
            join d in db.GradeDecisions on i.Id equals d.ReturnItemId
            where d.DecidedAt <= snapshot
                && !db.GradeDecisions.Any(o => o.ReturnItemId == d.ReturnItemId && o.SupersedesId == d.Id && o.DecidedAt <= snapshot)
                && db.Photos.Any(p => p.ReturnItemId == i.Id && p.UploadedAt <= d.DecidedAt && !(p.SetAsideAt <= snapshot))
            select new ItemRowProjection
            {
                Id = i.Id, ReturnId = i.ReturnId, Category = i.Category, DecisionId = d.Id, Kind = d.Kind, Grade = d.Grade,
                Disposition = d.Disposition, RubricVersion = d.RubricVersion, ActorId = d.ActorId, ActorName = d.ActorName, DecidedAt = d.DecidedAt,
                ReasonCode = d.ReasonCode, GradePrefilled = d.GradePrefilled, Blind = d.Blind, DispositionPrefilled = d.DispositionPrefilled,
            };
        if (filter.From is { } from)
        {
            query = query.Where(r => r.DecidedAt >= from);
        }
        if (filter.To is { } to)
        {
            query = query.Where(r => r.DecidedAt < to);
        }
        if (filter.Categories.Count > 0)
        {
            // Any case, as the review queue's filter: "appliances" found none of the "Appliances" (models pass, 2026-12-05).
            // As typed too: SQLite's LOWER() folds ASCII letters only, so "Électroménager" matched only as typed.
            var exact = filter.Categories.ToList();
            var lowered = filter.Categories.Select(c => c.ToLowerInvariant()).Distinct().ToList();
#pragma warning disable CA1304, CA1311 // translated to SQL LOWER(...): no .NET culture is involved
            query = query.Where(r => exact.Contains(r.Category) || lowered.Contains(r.Category.ToLower()));
#pragma warning restore CA1304, CA1311
        }
        if (filter.FinalOnly)
        {
            query = query.Where(r => r.Kind == DecisionKind.Review);
        }
        if (filter.RubricVersion is { } rubric)
        {
            query = query.Where(r => r.RubricVersion == rubric);
        }
        if (filter.ModelVersion is { } model)
        {
            // Items whose exported photos (kept by the label's decision) that model suggested on, by the snapshot: a photo
            // taken under model A with a later one under B was exported for "B" with A's photo only, and a prediction made
            // after the snapshot could change a re-run (review of exports, 2026-12-06).
            query = query.Where(r => db.Predictions.Any(p => !p.IsShadow && p.ModelVersion == model && p.CreatedAt <= snapshot
                && p.Photo!.ReturnItemId == r.Id && p.Photo.UploadedAt <= r.DecidedAt && !(p.Photo.SetAsideAt <= snapshot)));
        }
        // An item's rows together, its newest first: WriteAsync keeps one row per item (see there).
        return query.OrderBy(r => r.Id).ThenByDescending(r => r.DecidedAt).ThenByDescending(r => r.DecisionId);
    }

    // A settable class, not a record: EF composes member-init projections with later Where clauses.
    public sealed class ItemRowProjection
    {
        public Guid Id { get; init; }
        public string ReturnId { get; init; } = "";
        public string Category { get; init; } = "";
        public Guid DecisionId { get; init; }
        public DecisionKind Kind { get; init; }
        public Grade Grade { get; init; }
        public Disposition Disposition { get; init; }
        public string RubricVersion { get; init; } = "";
        public string ActorId { get; init; } = "";
        public string ActorName { get; init; } = "";
        public DateTime DecidedAt { get; init; }
        public string? ReasonCode { get; init; }
        public bool GradePrefilled { get; init; }
        public bool Blind { get; init; }
        public bool DispositionPrefilled { get; init; }
    }

    private static IQueryable<ItemRow> Items(GraderDb db, ExportFilter filter, DateTime snapshot) =>
        Query(db, filter, snapshot).Select(r => new ItemRow(
            r.Id, r.ReturnId, r.Category, r.DecisionId, r.Kind, r.Grade, r.Disposition, r.RubricVersion, r.ActorId, r.ActorName, r.DecidedAt,
            r.ReasonCode, r.GradePrefilled, r.Blind, r.DispositionPrefilled));

    private async Task WriteBatchAsync(StreamingZipWriter zip, Package package, List<ItemRow> batch, DateTime snapshot, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }
        var itemIds = batch.Select(i => i.Id).ToList();
        var decisionIds = batch.Select(i => i.DecisionId).ToList();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var photoRows = await db.Photos.AsNoTracking()
            .Where(p => itemIds.Contains(p.ReturnItemId) && p.UploadedAt <= snapshot && !(p.SetAsideAt <= snapshot))
            .OrderBy(p => p.UploadedAt).ThenBy(p => p.Id)
            .Select(p => new PhotoRow(p.Id, p.ReturnItemId, p.StorageKey, p.Width, p.Height, p.UploadedAt))
            .ToListAsync(cancellationToken);
        // Damage marked on a photo set aside by the snapshot is another item's (or nothing's): not in the item's damage
        // list or rubric points either (ADR 0052).
        var setAside = db.Photos.Where(p => itemIds.Contains(p.ReturnItemId) && p.SetAsideAt <= snapshot).Select(p => (Guid?)p.Id);
        var regions = await db.DamageRegions.AsNoTracking()
            .Where(r => decisionIds.Contains(r.DecisionId) && r.Source != RegionSource.Deleted && !setAside.Contains(r.PhotoId))
            .OrderBy(r => r.Id)
            .Select(r => new RegionRow(r.DecisionId, r.PhotoId, r.Type, r.X, r.Y, r.Width, r.Height, r.Source))
            .ToListAsync(cancellationToken);
        var photoIds = photoRows.Select(p => p.Id).ToList();
        var models = (await db.Predictions.AsNoTracking()
                .Where(p => photoIds.Contains(p.PhotoId) && !p.IsShadow && p.CreatedAt <= snapshot)
                .Select(p => new { p.PhotoId, p.ModelVersion, p.CreatedAt })
                .ToListAsync(cancellationToken))
            .GroupBy(p => p.PhotoId)
            .ToDictionary(g => g.Key, g => g.OrderBy(p => p.CreatedAt).First().ModelVersion);
        var photosByItem = photoRows.ToLookup(p => p.ReturnItemId);
        var regionsByDecision = regions.ToLookup(r => r.DecisionId);

        foreach (var item in batch)
        {
            await WriteItemAsync(zip, package, item, [.. photosByItem[item.Id].Where(p => p.UploadedAt <= item.DecidedAt)],
                regionsByDecision[item.DecisionId].ToList(), models, cancellationToken);
        }
    }

    private async Task WriteItemAsync(
        StreamingZipWriter zip, Package package, ItemRow row, List<PhotoRow> itemPhotos, List<RegionRow> itemRegions, Dictionary<Guid, string> models,
        CancellationToken cancellationToken)
    {
        var itemId = row.Id.ToString();
        var rubric = rubrics.Find(row.RubricVersion) ?? rubrics.Active;
        var damage = itemRegions.Select(r => r.Type).ToList();
        var counted = Rubric.Counted([.. itemRegions.Select(r => (r.PhotoId, r.X is not null, r.Type))]);
        var item = new ExportedItem(itemId, row.ReturnId, row.Category, DatasetSplits.Of(itemId), row.Grade, row.Disposition, row.Kind,
            row.ActorId, row.DecidedAt.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture), rubric.PointsFor(counted), damage,
            row.ReasonCode, row.GradePrefilled, row.Blind, row.DispositionPrefilled);
        var exported = new List<ExportedPhoto>(itemPhotos.Count);
        foreach (var photo in itemPhotos)
        {
            var fileName = photo.Id.ToString("N") + ".jpg";
            await using (var source = await photos.OpenReadAsync(photo.StorageKey, cancellationToken))
            {
                if (source is null)
                {
                    // One photo lost from the store (a lifecycle rule, a partial restore) failed every export holding its
                    // item, every time, and no filter can leave one item out (review of the export path, 2026-12-06): it
                    // is left out and counted (package.json counts.missing_photos, the card), and logged by name.
                    LogPhotoMissing(logger, photo.Id, row.ReturnId, photo.StorageKey);
                    package.Tally.CountMissingPhoto();
                    continue;
                }
                // Photos are JPEG already: stored, not deflated again.
                await zip.AddAsync($"{package.Root}images/{item.Split}/{fileName}", compress: false, entry => source.CopyToAsync(entry, cancellationToken), cancellationToken);
            }
            var view = exported.Count;
            var boxes = itemRegions.Where(r => r.PhotoId == photo.Id && r.X is not null && r.Y is not null && r.Width > 0 && r.Height > 0)
                .Select(r => Clamp(r, photo)).Where(b => b.Width > 0 && b.Height > 0).ToList();
            var exportedPhoto = new ExportedPhoto(item, photo.Id, fileName, photo.Width, photo.Height, view, boxes, models.GetValueOrDefault(photo.Id));
            package.Tally.CountPhoto(exportedPhoto);
            foreach (var format in package.Formats)
            {
                await format.AddPhotoAsync(exportedPhoto);
            }
            exported.Add(exportedPhoto);
        }
        if (exported.Count == 0)
        {
            package.Tally.CountItemWithoutStoredPhotos(); // an image dataset needs images, as for an item never photographed
            return;
        }
        package.Tally.CountItem(item, row.RubricVersion);
        foreach (var format in package.Formats)
        {
            await format.AddItemAsync(item, exported);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Export: photo {PhotoId} of item {ReturnId} is missing from the photo store (key {StorageKey}); it was left out of the package")]
    private static partial void LogPhotoMissing(ILogger logger, Guid photoId, string returnId, string storageKey);

    /// <summary>Boxes are validated when drawn; clamping keeps a package valid even for a box from an older photo size.</summary>
    private static DamageBox Clamp(RegionRow r, PhotoRow photo)
    {
        var x = Math.Clamp(r.X!.Value, 0, photo.Width);
        var y = Math.Clamp(r.Y!.Value, 0, photo.Height);
        return new DamageBox(r.Type, x, y, Math.Min(r.Width!.Value, photo.Width - x), Math.Min(r.Height!.Value, photo.Height - y), r.Source);
    }

    private async Task WriteTextEntriesAsync(StreamingZipWriter zip, Package package, ExportJob job, ExportFilter filter, CancellationToken cancellationToken)
    {
        var created = job.CreatedAt.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        // The rubric that produced the grades: the filter's, else the one every exported label was decided under; labels
        // from several rubrics are said so in the counts and the card (the package's field names the active one then).
        var perRubric = package.Tally.PerRubric;
        var rubric = (filter.RubricVersion ?? (perRubric.Count == 1 ? perRubric.Keys.Single() : null)) is { } v
            ? rubrics.Find(v) ?? rubrics.Active
            : rubrics.Active;
        var header = new PackageHeader(package.Root, package.Name, created, rubric);
        foreach (var format in package.Formats)
        {
            await format.WriteToAsync(zip, header, cancellationToken);
        }

        var manifest = new Dictionary<string, object?>
        {
            ["format"] = "returns-grader-dataset",
            ["format_version"] = "1.1",
            ["rubric_version"] = rubric.Version,
            ["created_utc"] = created,
            ["source"] = "export",
            ["name"] = package.Name,
            ["grades"] = GradeNames,
            ["damage_types"] = DamageTypes.Select(WireName<DamageType>.Of).ToArray(),
            ["severity_points"] = DamageTypes.ToDictionary(WireName<DamageType>.Of, rubric.PointsOf),
            ["grade_point_ranges"] = GradePointRanges(rubric),
            ["formats"] = filter.IncludedFormats,
            ["split_rule"] = "sha256(item_id utf-8) first 8 hex digits as uint32 % 100: 0-79 train, 80-89 validation, 90-99 test",
            ["counts"] = package.Tally.ToJson(),
            ["export"] = new Dictionary<string, object?>
            {
                ["app_version"] = typeof(DatasetPackageWriter).Assembly.GetName().Version?.ToString(),
                ["exported_utc"] = created,
                ["export_id"] = job.Id.ToString(),
                ["filter"] = filter.Describe(),
                ["filter_json"] = JsonSerializer.SerializeToElement(filter, JsonSerializerOptions.Web),
                ["labels"] = filter.FinalOnly ? "final" : "all",
                ["requested_by"] = job.RequestedByName,
                ["sagemaker_source_ref_prefix"] = package.Formats.OfType<SageMakerFormat>().SingleOrDefault()?.ImagesPrefix,
            },
        };
        await zip.AddAsync(package.Root + "package.json", compress: true, entry => JsonSerializer.SerializeAsync(entry, manifest, Indented, cancellationToken), cancellationToken);
        await zip.AddAsync(package.Root + "dataset_card.md", compress: true,
            async card => await card.WriteAsync(Encoding.UTF8.GetBytes(DatasetCard.Write(package.Name, package.Tally, job, filter, rubric.Version)), cancellationToken),
            cancellationToken);
    }

    private static Dictionary<string, int?[]> GradePointRanges(Rubric rubric)
    {
        var ranges = new Dictionary<string, int?[]>();
        for (var points = 0; points <= 64; points++)
        {
            var grade = GradeNames[(int)rubric.GradeForPoints(points)];
            ranges[grade] = ranges.TryGetValue(grade, out var range) ? [range[0], points] : [points, points];
        }
        ranges[GradeNames[^1]][1] = null; // the worst grade has no upper bound
        return ranges;
    }

    /// <summary>The package being written: its name, root folder in the zip, counts and label formats.</summary>
    private sealed record Package(string Name, string Root, PackageTally Tally, IReadOnlyList<PackageFormat> Formats) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var format in Formats)
            {
                await format.DisposeAsync();
            }
        }
    }
}
