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
public sealed record PackageCounts(long Items, long Images, long Annotations);

public sealed class ExportFailedException(string message) : Exception(message);

/// <summary>
/// Writes one dataset package (docs/dataset-package.md) as a zip, streaming: items are read in id order by one query,
/// their photos, regions and predictions a batch at a time, each photo is copied from the store straight into the zip
/// (<see cref="StreamingZipWriter"/>), and the text files grow in a work folder on disk until they are appended at the
/// end. Memory stays flat whatever the number of items; the work folder holds the text, never the photos.
/// </summary>
public sealed class DatasetPackageWriter(IDbContextFactory<GraderDb> dbFactory, IPhotoStore photos, RubricCatalog rubrics)
{
    private const int BatchSize = 256;
    private static readonly string[] GradeNames = Enum.GetNames<Grade>();
    private static readonly DamageType[] DamageTypes = Enum.GetValues<DamageType>();
    private static readonly JsonWriterOptions Compact = new() { Indented = false };
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>One item of the snapshot, with its current label.</summary>
    private sealed record ItemRow(
        Guid Id, string ReturnId, string Category, Guid DecisionId, DecisionKind Kind, Grade Grade, Disposition Disposition,
        string RubricVersion, string ActorId, string ActorName, DateTime DecidedAt);

    private sealed record PhotoRow(Guid Id, Guid ReturnItemId, string StorageKey, int Width, int Height);

    private sealed record RegionRow(Guid DecisionId, Guid? PhotoId, DamageType Type, int? X, int? Y, int? Width, int? Height);

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
        await using var state = new State(workDirectory, name, sageMakerPrefix.TrimEnd('/') + "/" + name + "/images/", job.CreatedAt);

        await using (var zipFile = new FileStream(zipPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
        {
            await using (var zip = new StreamingZipWriter(zipFile, Path.Combine(workDirectory, "central-directory.spool"), job.CreatedAt))
            {
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                var batch = new List<ItemRow>(BatchSize);
                // One reader streams the snapshot's items; each batch's photos and regions come by a second context.
                await foreach (var item in Items(db, filter, job.CreatedAt).AsAsyncEnumerable().WithCancellation(cancellationToken))
                {
                    batch.Add(item);
                    if (batch.Count == BatchSize)
                    {
                        await WriteBatchAsync(zip, state, batch, job.CreatedAt, cancellationToken);
                        await progress(state.Items, state.Images, cancellationToken);
                        batch.Clear();
                    }
                }
                await WriteBatchAsync(zip, state, batch, job.CreatedAt, cancellationToken);
                await progress(state.Items, state.Images, cancellationToken);
                await state.FinishPartsAsync();
                await WriteTextEntriesAsync(zip, state, job, filter, cancellationToken);
                await zip.FinishAsync(cancellationToken);
            }
            await zipFile.FlushAsync(cancellationToken);
            zipFile.Flush(flushToDisk: true);
        }
        return new PackageCounts(state.Items, state.Images, state.Annotations);
    }

    public static string PackageName(int number) => $"returns-grader-labels-{number:D4}";

    /// <summary>Items of the snapshot: graded, current label decided by the snapshot time, matching the filter; id order.</summary>
    public static IQueryable<ItemRowProjection> Query(GraderDb db, ExportFilter filter, DateTime snapshot)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(filter);
        // Each item's label as of the snapshot: its latest decision made by then (decisions are append-only, so a later
        // review does not take the item out of an export asked for before it, nor out of a re-run after a restart).
        // Items without a photo by then are left out: an image dataset needs images.
        var query =
            from i in db.ReturnItems.AsNoTracking()
            join d in db.GradeDecisions on i.Id equals d.ReturnItemId
            where d.DecidedAt <= snapshot
                && !db.GradeDecisions.Any(o => o.ReturnItemId == d.ReturnItemId && o.DecidedAt <= snapshot && o.DecidedAt > d.DecidedAt)
                && db.Photos.Any(p => p.ReturnItemId == i.Id && p.UploadedAt <= snapshot)
            select new ItemRowProjection
            {
                Id = i.Id, ReturnId = i.ReturnId, Category = i.Category, DecisionId = d.Id, Kind = d.Kind, Grade = d.Grade,
                Disposition = d.Disposition, RubricVersion = d.RubricVersion, ActorId = d.ActorId, ActorName = d.ActorName, DecidedAt = d.DecidedAt,
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
            var categories = filter.Categories.ToList();
            query = query.Where(r => categories.Contains(r.Category));
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
            query = query.Where(r => db.Predictions.Any(p => !p.IsShadow && p.ModelVersion == model && p.Photo!.ReturnItemId == r.Id));
        }
        return query.OrderBy(r => r.Id);
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
    }

    private static IQueryable<ItemRow> Items(GraderDb db, ExportFilter filter, DateTime snapshot) =>
        Query(db, filter, snapshot).Select(r => new ItemRow(
            r.Id, r.ReturnId, r.Category, r.DecisionId, r.Kind, r.Grade, r.Disposition, r.RubricVersion, r.ActorId, r.ActorName, r.DecidedAt));

    private async Task WriteBatchAsync(StreamingZipWriter zip, State state, List<ItemRow> batch, DateTime snapshot, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }
        var itemIds = batch.Select(i => i.Id).ToList();
        var decisionIds = batch.Select(i => i.DecisionId).ToList();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var photoRows = await db.Photos.AsNoTracking()
            .Where(p => itemIds.Contains(p.ReturnItemId) && p.UploadedAt <= snapshot)
            .OrderBy(p => p.UploadedAt).ThenBy(p => p.Id)
            .Select(p => new PhotoRow(p.Id, p.ReturnItemId, p.StorageKey, p.Width, p.Height))
            .ToListAsync(cancellationToken);
        var regions = await db.DamageRegions.AsNoTracking()
            .Where(r => decisionIds.Contains(r.DecisionId) && r.Source != RegionSource.Deleted)
            .OrderBy(r => r.Id)
            .Select(r => new RegionRow(r.DecisionId, r.PhotoId, r.Type, r.X, r.Y, r.Width, r.Height))
            .ToListAsync(cancellationToken);
        var photoIds = photoRows.Select(p => p.Id).ToList();
        var models = (await db.Predictions.AsNoTracking()
                .Where(p => photoIds.Contains(p.PhotoId) && !p.IsShadow)
                .Select(p => new { p.PhotoId, p.ModelVersion, p.CreatedAt })
                .ToListAsync(cancellationToken))
            .GroupBy(p => p.PhotoId)
            .ToDictionary(g => g.Key, g => g.OrderBy(p => p.CreatedAt).First().ModelVersion);
        var photosByItem = photoRows.ToLookup(p => p.ReturnItemId);
        var regionsByDecision = regions.ToLookup(r => r.DecisionId);

        foreach (var item in batch)
        {
            await WriteItemAsync(zip, state, item, photosByItem[item.Id].ToList(), regionsByDecision[item.DecisionId].ToList(), models, cancellationToken);
        }
    }

    private async Task WriteItemAsync(
        StreamingZipWriter zip, State state, ItemRow item, List<PhotoRow> itemPhotos, List<RegionRow> itemRegions, Dictionary<Guid, string> models,
        CancellationToken cancellationToken)
    {
        var itemId = item.Id.ToString();
        var split = DatasetSplits.Of(itemId);
        var grade = GradeNames[(int)item.Grade];
        var rubric = rubrics.Find(item.RubricVersion) ?? rubrics.Active;
        var labelledUtc = item.DecidedAt.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);
        var fileNames = new List<string>(itemPhotos.Count);
        state.CountItem(split, grade, item.Category, item.RubricVersion);

        for (var view = 0; view < itemPhotos.Count; view++)
        {
            var photo = itemPhotos[view];
            var fileName = photo.Id.ToString("N") + ".jpg";
            fileNames.Add(fileName);
            await using (var source = await photos.OpenReadAsync(photo.StorageKey, cancellationToken)
                ?? throw new ExportFailedException($"Photo {photo.Id} of item {item.ReturnId} is missing from the photo store; nothing was exported."))
            {
                // Photos are JPEG already: stored, not deflated again.
                await zip.AddAsync($"{state.Root}images/{split}/{fileName}", compress: false, entry => source.CopyToAsync(entry, cancellationToken), cancellationToken);
            }
            var imageId = state.NextImageId(split);
            var boxes = itemRegions.Where(r => r.PhotoId == photo.Id && r.X is not null && r.Y is not null && r.Width > 0 && r.Height > 0)
                .Select(r => (r.Type, Box: Clamp(r, photo))).Where(b => b.Box.W > 0 && b.Box.H > 0).ToList();
            var model = models.GetValueOrDefault(photo.Id);
            state.CountModel(model);

            var image = state.CocoImages;
            image.WriteStartObject();
            image.WriteNumber("id", imageId);
            image.WriteString("file_name", $"{split}/{fileName}");
            image.WriteNumber("width", photo.Width);
            image.WriteNumber("height", photo.Height);
            image.WriteString("item_id", itemId);
            image.WriteString("grade", grade);
            image.WriteString("split", split);
            image.WriteNumber("view", view);
            image.WriteString("photo_id", photo.Id.ToString());
            image.WriteString("return_id", item.ReturnId);
            image.WriteString("category", item.Category);
            image.WriteString("labelled_by", item.ActorId);
            image.WriteString("labelled_utc", labelledUtc);
            image.WriteString("label_kind", item.Kind == DecisionKind.Review ? "final" : "station");
            if (model is not null)
            {
                image.WriteString("model_version", model);
            }
            image.WriteEndObject();

            foreach (var (type, box) in boxes)
            {
                var annotation = state.CocoAnnotations;
                annotation.WriteStartObject();
                annotation.WriteNumber("id", state.NextAnnotationId(split, type));
                annotation.WriteNumber("image_id", imageId);
                annotation.WriteNumber("category_id", (int)type + 1);
                annotation.WriteNumber("iscrowd", 0);
                annotation.WriteStartArray("bbox");
                annotation.WriteNumberValue(box.X);
                annotation.WriteNumberValue(box.Y);
                annotation.WriteNumberValue(box.W);
                annotation.WriteNumberValue(box.H);
                annotation.WriteEndArray();
                annotation.WriteNumber("area", (long)box.W * box.H);
                annotation.WriteEndObject();
            }

            await state.SageMakerLineAsync(w =>
            {
                w.WriteString("source-ref", state.SageMakerImages + split + "/" + fileName);
                w.WriteStartObject("damage");
                w.WriteStartArray("image_size");
                w.WriteStartObject();
                w.WriteNumber("width", photo.Width);
                w.WriteNumber("height", photo.Height);
                w.WriteNumber("depth", 3);
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteStartArray("annotations");
                foreach (var (type, box) in boxes)
                {
                    w.WriteStartObject();
                    w.WriteNumber("class_id", (int)type);
                    w.WriteNumber("left", box.X);
                    w.WriteNumber("top", box.Y);
                    w.WriteNumber("width", box.W);
                    w.WriteNumber("height", box.H);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteStartObject("damage-metadata");
                w.WriteStartArray("objects");
                foreach (var _ in boxes)
                {
                    w.WriteStartObject();
                    w.WriteNumber("confidence", 1);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartObject("class-map");
                foreach (var type in DamageTypes)
                {
                    w.WriteString(((int)type).ToString(CultureInfo.InvariantCulture), WireName<DamageType>.Of(type));
                }
                w.WriteEndObject();
                w.WriteString("type", "groundtruth/object-detection");
                w.WriteString("human-annotated", "yes");
                w.WriteString("creation-date", labelledUtc.TrimEnd('Z'));
                w.WriteString("job-name", $"labeling-job/{state.Name}");
                w.WriteEndObject();
                w.WriteNumber("grade", (int)item.Grade);
                w.WriteStartObject("grade-metadata");
                w.WriteString("class-name", grade);
                w.WriteNumber("confidence", 1);
                w.WriteString("type", "groundtruth/image-classification");
                w.WriteString("human-annotated", "yes");
                w.WriteString("creation-date", labelledUtc.TrimEnd('Z'));
                w.WriteString("job-name", $"labeling-job/{state.Name}");
                w.WriteEndObject();
            });

            await state.Csv.WriteLineAsync(string.Join(',', CsvText.Quote(itemId), CsvText.Quote(item.ReturnId), CsvText.Quote(item.Category), split, $"{split}/{fileName}",
                photo.Id.ToString(), photo.Width.ToString(CultureInfo.InvariantCulture), photo.Height.ToString(CultureInfo.InvariantCulture), grade,
                ((int)item.Grade).ToString(CultureInfo.InvariantCulture), WireName<Disposition>.Of(item.Disposition),
                item.Kind == DecisionKind.Review ? "final" : "station", CsvText.Quote(item.ActorId), labelledUtc, CsvText.Quote(model ?? ""),
                CsvText.Quote(string.Join(';', boxes.Select(b => $"{WireName<DamageType>.Of(b.Type)}:{b.Box.X} {b.Box.Y} {b.Box.W} {b.Box.H}")))));
            state.Images++;
            state.Annotations += boxes.Count;
        }

        // The Hugging Face row: the item's photos, and the damage the grader recorded for the item (boxed or not).
        var damage = itemRegions.Select(r => r.Type).ToList();
        await state.MetadataLineAsync(split, w =>
        {
            w.WriteStartArray("file_names");
            foreach (var fileName in fileNames)
            {
                w.WriteStringValue(fileName);
            }
            w.WriteEndArray();
            w.WriteString("item_id", itemId);
            w.WriteString("grade", grade);
            w.WriteNumber("grade_index", (int)item.Grade);
            w.WriteNumber("severity_points", rubric.PointsFor(damage));
            w.WriteStartObject("damage_counts");
            foreach (var type in DamageTypes)
            {
                w.WriteNumber(WireName<DamageType>.Of(type), damage.Count(t => t == type));
            }
            w.WriteEndObject();
            w.WriteString("return_id", item.ReturnId);
            w.WriteString("category", item.Category);
            w.WriteString("label_kind", item.Kind == DecisionKind.Review ? "final" : "station");
        });
        state.Items++;
    }

    /// <summary>Boxes are validated when drawn; clamping keeps a package valid even for a box from an older photo size.</summary>
    private static (int X, int Y, int W, int H) Clamp(RegionRow r, PhotoRow photo)
    {
        var x = Math.Clamp(r.X!.Value, 0, photo.Width);
        var y = Math.Clamp(r.Y!.Value, 0, photo.Height);
        return (x, y, Math.Min(r.Width!.Value, photo.Width - x), Math.Min(r.Height!.Value, photo.Height - y));
    }

    private async Task WriteTextEntriesAsync(StreamingZipWriter zip, State state, ExportJob job, ExportFilter filter, CancellationToken cancellationToken)
    {
        var created = job.CreatedAt.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        // The rubric that produced the grades: the filter's, else the one every exported label was decided under; labels
        // from several rubrics are said so in the counts and the card (the package's field names the active one then).
        var rubric = (filter.RubricVersion ?? (state.PerRubric.Count == 1 ? state.PerRubric.Keys.Single() : null)) is { } v
            ? rubrics.Find(v) ?? rubrics.Active
            : rubrics.Active;

        await zip.AddAsync(state.Root + "annotations/coco.json", compress: true, async coco =>
        {
            var head = new StringBuilder();
            head.Append(CultureInfo.InvariantCulture, $$"""{"info":{"description":"Returns.Grader dataset package","version":"1.0","date_created":"{{created}}","rubric_version":"{{rubric.Version}}","dataset":"{{state.Name}}"},"licenses":[],"categories":[""");
            head.AppendJoin(',', DamageTypes.Select(t =>
                $$"""{"id":{{(int)t + 1}},"name":"{{WireName<DamageType>.Of(t)}}","supercategory":"damage","severity_points":{{rubric.PointsOf(t)}}}"""));
            head.Append("],\"images\":");
            await coco.WriteAsync(Encoding.UTF8.GetBytes(head.ToString()), cancellationToken);
            await state.CopyPartAsync(State.CocoImagesPart, coco, cancellationToken);
            await coco.WriteAsync(",\"annotations\":"u8.ToArray(), cancellationToken);
            await state.CopyPartAsync(State.CocoAnnotationsPart, coco, cancellationToken);
            await coco.WriteAsync("}"u8.ToArray(), cancellationToken);
        }, cancellationToken);
        foreach (var split in DatasetSplits.All)
        {
            await zip.AddAsync($"{state.Root}images/{split}/metadata.jsonl", compress: true,
                metadata => state.CopyPartAsync(State.MetadataPart(split), metadata, cancellationToken), cancellationToken);
        }
        await zip.AddAsync(state.Root + "annotations/sagemaker.manifest", compress: true,
            manifest => state.CopyPartAsync(State.SageMakerPart, manifest, cancellationToken), cancellationToken);
        await zip.AddAsync(state.Root + "labels.csv", compress: true, csv => state.CopyPartAsync(State.CsvPart, csv, cancellationToken), cancellationToken);

        var package = new Dictionary<string, object?>
        {
            ["format"] = "returns-grader-dataset",
            ["format_version"] = "1.0",
            ["rubric_version"] = rubric.Version,
            ["created_utc"] = created,
            ["source"] = "export",
            ["name"] = state.Name,
            ["grades"] = GradeNames,
            ["damage_types"] = DamageTypes.Select(WireName<DamageType>.Of).ToArray(),
            ["severity_points"] = DamageTypes.ToDictionary(WireName<DamageType>.Of, rubric.PointsOf),
            ["grade_point_ranges"] = GradePointRanges(rubric),
            ["split_rule"] = "sha256(item_id utf-8) first 8 hex digits as uint32 % 100: 0-79 train, 80-89 validation, 90-99 test",
            ["counts"] = state.CountsObject(),
            ["export"] = new Dictionary<string, object?>
            {
                ["app_version"] = typeof(DatasetPackageWriter).Assembly.GetName().Version?.ToString(),
                ["exported_utc"] = created,
                ["export_id"] = job.Id.ToString(),
                ["filter"] = filter.Describe(),
                ["filter_json"] = JsonSerializer.SerializeToElement(filter, JsonSerializerOptions.Web),
                ["labels"] = filter.FinalOnly ? "final" : "all",
                ["requested_by"] = job.RequestedByName,
                ["sagemaker_source_ref_prefix"] = state.SageMakerImages,
            },
        };
        await zip.AddAsync(state.Root + "package.json", compress: true, entry => JsonSerializer.SerializeAsync(entry, package, Indented, cancellationToken), cancellationToken);
        await zip.AddAsync(state.Root + "dataset_card.md", compress: true,
            async card => await card.WriteAsync(Encoding.UTF8.GetBytes(state.Card(job, filter, rubric.Version)), cancellationToken), cancellationToken);
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

    /// <summary>The text parts on disk and the running counts of one package.</summary>
    private sealed class State : IAsyncDisposable
    {
        public const string CocoImagesPart = "coco-images.json";
        public const string CocoAnnotationsPart = "coco-annotations.json";
        public const string SageMakerPart = "sagemaker.manifest";
        public const string CsvPart = "labels.csv";

        public static string MetadataPart(string split) => $"metadata-{split}.jsonl";

        private readonly string _directory;
        private readonly FileStream _images;
        private readonly FileStream _annotations;
        private readonly FileStream _sageMaker;
        private readonly Dictionary<string, FileStream> _metadata;
        private readonly Utf8JsonWriter _line = new(Stream.Null, Compact);
        private readonly Dictionary<string, (long Items, long Images, long Annotations)> _perSplit = DatasetSplits.All.ToDictionary(s => s, _ => (0L, 0L, 0L));
        private readonly Dictionary<string, long> _perGrade = GradeNames.ToDictionary(g => g, _ => 0L);
        private readonly Dictionary<DamageType, long> _perType = DamageTypes.ToDictionary(t => t, _ => 0L);
        private readonly SortedDictionary<string, long> _perCategory = new(StringComparer.Ordinal);
        private readonly SortedDictionary<string, long> _perModel = new(StringComparer.Ordinal);
        private long _imageId;
        private long _annotationId;
        private readonly DateTime _snapshot;

        public State(string directory, string name, string sageMakerImages, DateTime snapshot)
        {
            _directory = directory;
            Name = name;
            Root = name + "/";
            SageMakerImages = sageMakerImages;
            _snapshot = snapshot;
            _images = Create(CocoImagesPart);
            _annotations = Create(CocoAnnotationsPart);
            _sageMaker = Create(SageMakerPart);
            _metadata = DatasetSplits.All.ToDictionary(s => s, s => Create(MetadataPart(s)));
            var csv = Create(CsvPart);
            Csv = new StreamWriter(csv, new UTF8Encoding(false)) { NewLine = "\n" };
            Csv.WriteLine("item_id,return_id,category,split,file_name,photo_id,width,height,grade,grade_index,disposition,label_kind,labelled_by,labelled_utc,model_version,damage");
            CocoImages = new Utf8JsonWriter(_images, Compact);
            CocoImages.WriteStartArray();
            CocoAnnotations = new Utf8JsonWriter(_annotations, Compact);
            CocoAnnotations.WriteStartArray();
        }

        public string Name { get; }
        public string Root { get; }
        public string SageMakerImages { get; }
        public Utf8JsonWriter CocoImages { get; }
        public Utf8JsonWriter CocoAnnotations { get; }
        public StreamWriter Csv { get; }
        public long Items { get; set; }
        public long Images { get; set; }
        public long Annotations { get; set; }

        private FileStream Create(string part) =>
            new(Path.Combine(_directory, part), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous);

        public SortedDictionary<string, long> PerRubric { get; } = new(StringComparer.Ordinal);

        public void CountItem(string split, string grade, string category, string rubricVersion)
        {
            PerRubric[rubricVersion] = PerRubric.GetValueOrDefault(rubricVersion) + 1;
            var s = _perSplit[split];
            _perSplit[split] = (s.Items + 1, s.Images, s.Annotations);
            _perGrade[grade]++;
            _perCategory[category] = _perCategory.GetValueOrDefault(category) + 1;
        }

        /// <summary>Which model's suggestion the photo got (the active model when it was uploaded), or none.</summary>
        public void CountModel(string? modelVersion)
        {
            var key = modelVersion ?? "(no suggestion)";
            _perModel[key] = _perModel.GetValueOrDefault(key) + 1;
        }

        public long NextImageId(string split)
        {
            var s = _perSplit[split];
            _perSplit[split] = (s.Items, s.Images + 1, s.Annotations);
            return ++_imageId;
        }

        public long NextAnnotationId(string split, DamageType type)
        {
            var s = _perSplit[split];
            _perSplit[split] = (s.Items, s.Images, s.Annotations + 1);
            _perType[type]++;
            return ++_annotationId;
        }

        public Task SageMakerLineAsync(Action<Utf8JsonWriter> body) => LineAsync(_sageMaker, body);

        public Task MetadataLineAsync(string split, Action<Utf8JsonWriter> body) => LineAsync(_metadata[split], body);

        private async Task LineAsync(Stream stream, Action<Utf8JsonWriter> body)
        {
            _line.Reset(stream);
            _line.WriteStartObject();
            body(_line);
            _line.WriteEndObject();
            await _line.FlushAsync();
            stream.WriteByte((byte)'\n');
            // The JSON arrays' writers buffer in memory until flushed: keep that buffer small.
            if (CocoImages.BytesPending > 1 << 16)
            {
                await CocoImages.FlushAsync();
            }
            if (CocoAnnotations.BytesPending > 1 << 16)
            {
                await CocoAnnotations.FlushAsync();
            }
        }

        public async Task FinishPartsAsync()
        {
            CocoImages.WriteEndArray();
            await CocoImages.FlushAsync();
            CocoAnnotations.WriteEndArray();
            await CocoAnnotations.FlushAsync();
            await Csv.FlushAsync();
        }

        public async Task CopyPartAsync(string part, Stream destination, CancellationToken cancellationToken)
        {
            var stream = part switch
            {
                CocoImagesPart => _images,
                CocoAnnotationsPart => _annotations,
                SageMakerPart => _sageMaker,
                CsvPart => Csv.BaseStream,
                _ => _metadata.Single(m => MetadataPart(m.Key) == part).Value,
            };
            await stream.FlushAsync(cancellationToken);
            stream.Position = 0;
            await stream.CopyToAsync(destination, cancellationToken);
        }

        public Dictionary<string, object> CountsObject() => new()
        {
            ["items"] = Items,
            ["images"] = Images,
            ["annotations"] = Annotations,
            ["per_split"] = _perSplit.ToDictionary(s => s.Key, s => new Dictionary<string, long>
            {
                ["items"] = s.Value.Items, ["images"] = s.Value.Images, ["annotations"] = s.Value.Annotations,
            }),
            ["items_per_grade"] = _perGrade,
            ["annotations_per_damage_type"] = _perType.ToDictionary(t => WireName<DamageType>.Of(t.Key), t => t.Value),
            ["items_per_category"] = _perCategory,
            ["images_per_model_version"] = _perModel,
            ["items_per_rubric_version"] = PerRubric,
        };

        public string Card(ExportJob job, ExportFilter filter, string rubricVersion)
        {
            var card = new StringBuilder();
            var c = CultureInfo.InvariantCulture;
            card.AppendLine(c, $"# {Name}");
            card.AppendLine();
            card.AppendLine(c, $"Returned-item photos and the condition grades people confirmed for them, exported by Returns.Grader on {job.CreatedAt:yyyy-MM-dd HH:mm} UTC at the request of {job.RequestedByName} (export {job.Id}).");
            card.AppendLine();
            card.AppendLine("## What is in it");
            card.AppendLine(c, $"- Filter: {filter.Describe()}.");
            card.AppendLine(c, $"- Snapshot: labels decided and photos uploaded up to {_snapshot:yyyy-MM-dd HH:mm:ss} UTC.");
            card.AppendLine(c, $"- Rubric: {rubricVersion}{(PerRubric.Count > 1 ? $" — **labels from several rubrics: {string.Join(", ", PerRubric.Select(r => $"{r.Key} {r.Value:N0} items"))}**" : "")}. Labels: the item's latest grade as of the snapshot — a supervisor's final label where there is one (`label_kind` final), else the associate's (`station`).");
            card.AppendLine("- Photos: the stored, sanitized copies (upright, no metadata), as graders saw them; boxes are in their pixels. Items without a photo are left out.");
            card.AppendLine("- Damage: the regions the grader or supervisor kept, edited or drew; regions they deleted are not exported. Damage marked without a box counts in `damage_counts` and `severity_points` but has no annotation.");
            card.AppendLine("- Formats: `annotations/coco.json` (COCO detection + item grade), `images/<split>/metadata.jsonl` (Hugging Face imagefolder), `annotations/sagemaker.manifest` (SageMaker Ground Truth augmented manifest; `source-ref` under the prefix in package.json), `labels.csv` (one row per photo).");
            card.AppendLine();
            card.AppendLine(c, $"## Counts ({Items:N0} items, {Images:N0} photos, {Annotations:N0} boxes)");
            card.AppendLine();
            card.AppendLine("| split | items | photos | boxes |");
            card.AppendLine("|---|--:|--:|--:|");
            foreach (var (split, s) in _perSplit)
            {
                card.AppendLine(c, $"| {split} | {s.Items:N0} | {s.Images:N0} | {s.Annotations:N0} |");
            }
            card.AppendLine();
            card.AppendLine("| grade | items |");
            card.AppendLine("|---|--:|");
            foreach (var (grade, n) in _perGrade)
            {
                card.AppendLine(c, $"| {grade} | {n:N0} |");
            }
            card.AppendLine();
            card.AppendLine("| damage type | boxes |");
            card.AppendLine("|---|--:|");
            foreach (var (type, n) in _perType)
            {
                card.AppendLine(c, $"| {WireName<DamageType>.Of(type)} | {n:N0} |");
            }
            card.AppendLine();
            card.AppendLine("| category | items |");
            card.AppendLine("|---|--:|");
            foreach (var (category, n) in _perCategory)
            {
                card.AppendLine(c, $"| {category} | {n:N0} |");
            }
            card.AppendLine();
            card.AppendLine("| suggested by model version | photos |");
            card.AppendLine("|---|--:|");
            foreach (var (model, n) in _perModel)
            {
                card.AppendLine(c, $"| {model} | {n:N0} |");
            }
            card.AppendLine();
            card.AppendLine("## Splits");
            card.AppendLine("By item: sha256 of the item id, first 8 hex digits as uint32 % 100: 0–79 train, 80–89 validation, 90–99 test. All photos of an item are in one split, and an item stays in its split in every export.");
            card.AppendLine();
            card.AppendLine("## Known gaps");
            card.AppendLine("- A photo may not show all of an item's damage (the back of a box shows none of the front's scratches), yet every photo carries the item's grade: label noise the trainer lives with.");
            card.AppendLine("- Station labels are one associate's judgement; only `final` labels were checked by a supervisor.");
            return card.ToString();
        }

        public async ValueTask DisposeAsync()
        {
            await CocoImages.DisposeAsync();
            await CocoAnnotations.DisposeAsync();
            await _line.DisposeAsync();
            await Csv.DisposeAsync();
            await _images.DisposeAsync();
            await _annotations.DisposeAsync();
            await _sageMaker.DisposeAsync();
            foreach (var stream in _metadata.Values)
            {
                await stream.DisposeAsync();
            }
        }
    }
}
