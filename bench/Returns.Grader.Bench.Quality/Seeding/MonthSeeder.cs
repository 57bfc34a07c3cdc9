using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;

namespace Returns.Grader.Bench.Quality.Seeding;

/// <summary>
/// A month of one busy site in a fresh SQLite file: the schema from the app's own migrations (EF), the rows from raw
/// prepared INSERTs in big transactions (EF's change tracker would take most of an hour for 2.6 million rows). Values are
/// written exactly as EF writes them: Guids as upper-case TEXT, times as "yyyy-MM-dd HH:mm:ss.FFFFFFF", enums by name,
/// money as REAL, booleans as 0/1.
/// </summary>
public static class MonthSeeder
{
    private const int GradeCount = 5;
    private const int BatchRows = 50_000;

    private static readonly string[] GradeNames = Enum.GetNames<Grade>();
    private static readonly ReviewReason[] AllReasons = Enum.GetValues<ReviewReason>();
    private static readonly string[] DamageNames = Enum.GetNames<DamageType>();
    /// <summary>Share of middling items (grade Good) with each damage type, in DamageType order.</summary>
    private static readonly double[] DamageShare = [0.25, 0.12, 0.10, 0.06, 0.06, 0.03];

    /// <summary>Everything decided about one item before it is written.</summary>
    private struct ItemDraft
    {
        public DateTime At;
        public int Associate;
        public int Category;
        public double Value;
        public int Final;
        public int Graded;
        public int Suggested; // -1: no suggestion (model unavailable)
        public double Confidence;
        public bool Blind;
        public bool Contradicts;
        public bool Flagged;
        public int ReasonMask;
        public bool Open;
        public bool Reviewed;
        public DateTime ReviewedAt;
        public int Supervisor;
        /// <summary>Damage types marked by the grader, suggested by the model but deleted by the grader, and by the supervisor (bit per DamageType).</summary>
        public int GraderDamage;
        public int DeletedDamage;
        public int FinalDamage;
    }

    public static async Task<SeedCounts> SeedAsync(string path, SeedShape shape, DateTime now, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(log);
        var watch = Stopwatch.StartNew();
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();

        // The schema is the app's: its migrations, applied by EF on the SQLite subclass.
        var options = new DbContextOptionsBuilder<SqliteGraderDb>().UseSqlite(connectionString).Options;
        await using (var db = new SqliteGraderDb(options))
        {
            await db.Database.MigrateAsync();
        }
        log($"migrated ({watch.Elapsed.TotalSeconds:F1} s)");

        var counts = new SeedCounts { DatabasePath = path, Now = now };
        var items = Draft(shape, now, counts);
        log($"drafted {items.Length:N0} items ({watch.Elapsed.TotalSeconds:F1} s)");

        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await ExecAsync(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA foreign_keys=OFF; PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY;");

        // Secondary indexes are rebuilt once at the end (a sort) rather than maintained row by row.
        var indexes = new List<(string Name, string Sql)>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                indexes.Add((reader.GetString(0), reader.GetString(1)));
            }
        }
        foreach (var (name, _) in indexes)
        {
            await ExecAsync(connection, $"DROP INDEX \"{name}\"");
        }

        var random = new Random(shape.RandomSeed + 1);
        var ids = new IdMaker(random);
        var itemIds = new string[items.Length];
        var stationIds = new string[items.Length];
        var reviewIds = new string[items.Length];
        var photoIds = new string?[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            itemIds[i] = ids.Next(items[i].At.AddMinutes(-3));
            stationIds[i] = ids.Next(items[i].At);
            reviewIds[i] = items[i].Reviewed ? ids.Next(items[i].ReviewedAt) : "";
            photoIds[i] = items[i].Reviewed || (shape.PredictionsForAllItems && items[i].Suggested >= 0) ? ids.Next(items[i].At.AddMinutes(-2)) : null;
        }

        WriteItems(connection, items, itemIds, stationIds, reviewIds, counts);
        log($"items written ({watch.Elapsed.TotalSeconds:F1} s)");
        WriteDecisions(connection, shape, items, itemIds, stationIds, reviewIds, random);
        log($"decisions written ({watch.Elapsed.TotalSeconds:F1} s)");
        WriteTasks(connection, shape, items, itemIds, stationIds, reviewIds, ids, random, now);
        log($"review tasks written ({watch.Elapsed.TotalSeconds:F1} s)");
        WriteDamage(connection, items, stationIds, reviewIds, photoIds, ids, random, counts);
        log($"damage regions written ({watch.Elapsed.TotalSeconds:F1} s)");
        WritePhotosAndPredictions(connection, items, itemIds, photoIds, ids, random, counts);
        log($"photos and predictions written ({watch.Elapsed.TotalSeconds:F1} s)");

        foreach (var (_, sql) in indexes)
        {
            await ExecAsync(connection, sql);
        }
        log($"{indexes.Count} indexes rebuilt ({watch.Elapsed.TotalSeconds:F1} s)");
        // The app never runs ANALYZE, so neither does the seed: the planner sees what production would see.
        await ExecAsync(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
        await connection.CloseAsync();

        counts.Elapsed = watch.Elapsed;
        counts.FileBytes = new FileInfo(path).Length;
        return counts;
    }

    private static ItemDraft[] Draft(SeedShape shape, DateTime now, SeedCounts counts)
    {
        var random = new Random(shape.RandomSeed);
        var start = now.AddDays(-shape.Days);
        var firstDay = start.Date;
        var categoryWeights = Cumulative(Enumerable.Range(1, SeedShape.Categories.Count).Select(k => 1 / Math.Pow(k, 0.8)).ToArray());
        // Pricier categories (electronics, jewelry, furniture …) move the value distribution up; most items stay under 100.
        double[] categoryScale = [0.8, 1.2, 3.0, 1.0, 0.7, 0.6, 1.1, 0.3, 0.9, 1.6, 0.9, 0.7, 0.8, 2.5, 1.4, 0.8, 1.8, 0.6, 1.3, 3.5];
        var items = new ItemDraft[shape.Items];
        var keys = new long[shape.Items];
        for (var i = 0; i < items.Length; i++)
        {
            ref var item = ref items[i];
            item.Associate = random.Next(shape.Associates);
            // Two shifts (06–14, 14–22); each associate has two days off a week, staggered across the team.
            var shiftStart = item.Associate % 2 == 0 ? 6 : 14;
            DateTime at;
            do
            {
                var day = random.Next(shape.Days + 1);
                if ((day + item.Associate) % 7 is 0 or 1)
                {
                    continue;
                }
                at = firstDay.AddDays(day).AddHours(shiftStart).AddMilliseconds(random.NextInt64(8L * 3_600_000));
                if (at >= start && at <= now.AddMinutes(-1))
                {
                    break;
                }
            }
            while (true);
            item.At = at;
            keys[i] = at.Ticks;

            item.Category = Pick(categoryWeights, random.NextDouble());
            item.Value = Math.Clamp(Math.Round(Math.Exp(Math.Log(28 * categoryScale[item.Category]) + 1.3 * Normal(random)), 2), 1, 9_999);
            item.Final = Pick(Cumulative([0.30, 0.25, 0.22, 0.15, 0.08]), random.NextDouble());

            item.Suggested = random.NextDouble() < shape.NoSuggestionShare ? -1 : Noisy(item.Final, 0.72, 0.23, random);
            item.Blind = item.Suggested >= 0 && random.NextDouble() < shape.BlindShare;
            var modelRight = item.Suggested == item.Final;
            item.Confidence = item.Suggested < 0 ? 0 : modelRight ? 0.3 + 0.7 * Math.Sqrt(random.NextDouble()) : 0.2 + 0.6 * random.NextDouble();
            // Graders who see the suggestion often keep it; blind ones grade on their own.
            item.Graded = item.Suggested >= 0 && !item.Blind && random.NextDouble() < 0.55 ? item.Suggested : Noisy(item.Final, 0.85, 0.13, random);
            item.Contradicts = random.NextDouble() < 0.06;
            // Worse grades carry more damage; now and then the grader deletes a region the model suggested.
            for (var t = 0; t < DamageShare.Length; t++)
            {
                item.GraderDamage |= random.NextDouble() < DamageShare[t] * (0.4 + 0.4 * item.Graded) ? 1 << t : 0;
            }
            item.DeletedDamage = item.Suggested >= 0 && random.NextDouble() < 0.10 ? 1 << random.Next(DamageShare.Length) : 0;
            item.Flagged = random.NextDouble() < 0.03;

            var mask = 0;
            if (item.Suggested >= 0)
            {
                mask |= item.Confidence < 0.55 ? Bit(ReviewReason.LowConfidence) : 0;
                mask |= random.NextDouble() < (item.Confidence < 0.55 ? 0.35 : 0.14) ? Bit(ReviewReason.SmallMargin) : 0;
                mask |= Math.Abs(item.Graded - item.Suggested) >= 2 ? Bit(ReviewReason.DisagreesWithModel) : 0;
            }
            mask |= item.Contradicts ? Bit(ReviewReason.ContradictsRubric) : 0;
            mask |= item.Value >= 500 ? Bit(ReviewReason.HighValue) : 0;
            mask |= item.Flagged ? Bit(ReviewReason.Flagged) : 0;
            mask |= random.NextDouble() < 0.05 ? Bit(ReviewReason.AuditSample) : 0;
            item.ReasonMask = mask;
        }
        Array.Sort(keys, items);

        // Open: a weighted sample (newer is likelier) of the routed items of the last days; reviewed: the rest, at random.
        var openSince = now.AddDays(-shape.OpenWithinDays);
        var candidates = Enumerable.Range(0, items.Length).Where(i => items[i].ReasonMask != 0 && items[i].At >= openSince)
            .Select(i => (Index: i, Key: -Math.Log(1 - random.NextDouble()) / (1.5 - (now - items[i].At).TotalDays / shape.OpenWithinDays)))
            .OrderBy(c => c.Key).Take(shape.Open).Select(c => c.Index).ToList();
        if (candidates.Count < shape.Open)
        {
            throw new InvalidOperationException($"Only {candidates.Count} routed items in the last {shape.OpenWithinDays} days; the shape needs {shape.Open}.");
        }
        foreach (var i in candidates)
        {
            items[i].Open = true;
        }
        var rest = Enumerable.Range(0, items.Length).Where(i => items[i].ReasonMask != 0 && !items[i].Open).ToArray();
        if (rest.Length < shape.Reviewed)
        {
            throw new InvalidOperationException($"Only {rest.Length} routed items left to review; the shape needs {shape.Reviewed}.");
        }
        random.Shuffle(rest);
        foreach (var i in rest.AsSpan(0, shape.Reviewed))
        {
            ref var item = ref items[i];
            item.Reviewed = true;
            var room = Math.Min(72.0, (now - item.At).TotalHours - 0.02);
            item.ReviewedAt = item.At.AddHours(Math.Min(room, 0.25 + random.NextDouble() * Math.Max(0, room - 0.25)));
            item.Supervisor = random.Next(shape.Supervisors);
            item.FinalDamage = item.GraderDamage;
            for (var t = 0; t < DamageShare.Length; t++)
            {
                item.FinalDamage ^= random.NextDouble() < 0.07 ? 1 << t : 0;
            }
        }
        // Routed items neither open nor reviewed (a few per cent) stand for reviews the site skipped: no task, no reasons.
        foreach (var i in rest.AsSpan(shape.Reviewed))
        {
            items[i].ReasonMask = 0;
        }

        counts.First = items[0].At;
        counts.Last = items[^1].At;
        foreach (ref var item in items.AsSpan())
        {
            counts.StationDecisions++;
            counts.ItemsByCategory[SeedShape.Categories[item.Category]] = counts.ItemsByCategory.GetValueOrDefault(SeedShape.Categories[item.Category]) + 1;
            var associate = SeedShape.AssociateId(item.Associate);
            counts.StationByAssociate[associate] = counts.StationByAssociate.GetValueOrDefault(associate) + 1;
            counts.ThroughputRows.Add((item.Associate, item.At.Ticks / TimeSpan.TicksPerHour));
            counts.Blind += item.Blind ? 1 : 0;
            counts.HighValueItems += item.Value >= 500 ? 1 : 0;
            if (item.Suggested >= 0)
            {
                counts.GraderVsModel[item.Graded, item.Suggested]++;
            }
            if (item.Reviewed)
            {
                counts.ReviewDecisions++;
                counts.GraderVsFinal[item.Graded, item.Final]++;
                for (var t = 0; t < DamageShare.Length; t++)
                {
                    var graderMarked = (item.GraderDamage >> t & 1) == 1;
                    var finalMarked = (item.FinalDamage >> t & 1) == 1;
                    counts.DamageGrader[t] += graderMarked ? 1 : 0;
                    counts.DamageFinal[t] += finalMarked ? 1 : 0;
                    counts.DamageBoth[t] += graderMarked && finalMarked ? 1 : 0;
                }
                if (item.Suggested >= 0)
                {
                    counts.ModelVsFinal[item.Suggested, item.Final]++;
                }
            }
            if (item.Open || item.Reviewed)
            {
                var taskMask = item.ReasonMask;
                foreach (var reason in AllReasons.Where(r => (taskMask & Bit(r)) != 0))
                {
                    counts.TasksByReason[reason]++;
                }
            }
            if (item.Open)
            {
                counts.OpenTasks++;
                var mask = item.ReasonMask;
                foreach (var reason in AllReasons.Where(r => (mask & Bit(r)) != 0))
                {
                    counts.OpenByReason[reason]++;
                }
            }
        }
        return items;
    }

    private static void WriteItems(SqliteConnection connection, ItemDraft[] items, string[] itemIds, string[] stationIds, string[] reviewIds, SeedCounts counts)
    {
        using var insert = new Insert(connection, "ReturnItems",
            "Id", "Category", "CreatedAt", "CreatedBy", "CurrentDecisionId", "ReturnId", "Sku", "Status", "Title", "UnitValue", "UpdatedAt", "Version");
        var random = new Random(11);
        for (var i = 0; i < items.Length; i++)
        {
            var item = items[i];
            var status = item.Reviewed ? ItemStatus.Final : item.Open ? ItemStatus.InReview : ItemStatus.Graded;
            var category = SeedShape.Categories[item.Category];
            insert.Row(
                itemIds[i], category, Text(item.At.AddMinutes(-3)), SeedShape.AssociateId(item.Associate),
                item.Reviewed ? reviewIds[i] : stationIds[i],
                $"LPN{1_000_000_000 + i}", $"SKU-{random.Next(100_000, 999_999)}", status.ToString(), $"{category} item {i % 9973}",
                item.Value, Text(item.Reviewed ? item.ReviewedAt : item.At), Text(Guid.NewGuid()));
        }
        counts.Items = items.Length;
    }

    private static void WriteDecisions(SqliteConnection connection, SeedShape shape, ItemDraft[] items, string[] itemIds, string[] stationIds, string[] reviewIds, Random random)
    {
        using var insert = new Insert(connection, "GradeDecisions",
            "Id", "ActorId", "ActorName", "ActorRole", "Blind", "ContradictionReason", "ContradictsRubric", "DecidedAt", "Disposition",
            "FlaggedForReview", "Grade", "Kind", "Notes", "ReasonCode", "ReturnItemId", "RubricGrade", "RubricVersion",
            "SuggestedByModel", "SuggestedGrade", "SupersedesId");
        var associateNames = Enumerable.Range(0, shape.Associates).Select(SeedShape.AssociateName).ToArray();
        var associateIds = Enumerable.Range(0, shape.Associates).Select(SeedShape.AssociateId).ToArray();
        for (var i = 0; i < items.Length; i++)
        {
            var item = items[i];
            var rubricGrade = item.Contradicts ? Math.Clamp(item.Graded + (random.Next(2) == 0 ? -1 : 1), 0, GradeCount - 1) : item.Graded;
            insert.Row(
                stationIds[i], associateIds[item.Associate], associateNames[item.Associate], "Grader", item.Blind,
                item.Contradicts ? "Scuff is under the size limit" : null, rubricGrade != item.Graded, Text(item.At),
                DispositionFor(item.Graded), item.Flagged, GradeNames[item.Graded], nameof(DecisionKind.Station),
                random.NextDouble() < 0.04 ? "Box damaged, item fine" : null, null, itemIds[i], GradeNames[rubricGrade], "v1",
                item.Suggested < 0 ? null : SeedShape.ModelVersion, item.Suggested < 0 ? null : GradeNames[item.Suggested], null);
        }
        for (var i = 0; i < items.Length; i++)
        {
            var item = items[i];
            if (!item.Reviewed)
            {
                continue;
            }
            var reason = item.Graded == item.Final ? "approved"
                : Pick(Cumulative([0.70, 0.15, 0.10, 0.05]), random.NextDouble()) switch { 0 => "wrong_grade", 1 => "missed_damage", 2 => "false_damage", _ => "other" };
            insert.Row(
                reviewIds[i], SeedShape.SupervisorId(item.Supervisor), $"Supervisor {item.Supervisor + 1:D2}", "Supervisor", false,
                null, false, Text(item.ReviewedAt), DispositionFor(item.Final), false, GradeNames[item.Final], nameof(DecisionKind.Review),
                null, reason, itemIds[i], GradeNames[item.Final], "v1", null, null, stationIds[i]);
        }
    }

    private static void WriteTasks(SqliteConnection connection, SeedShape shape, ItemDraft[] items, string[] itemIds, string[] stationIds, string[] reviewIds,
        IdMaker ids, Random random, DateTime now)
    {
        using var insert = new Insert(connection, "ReviewTasks",
            "Id", "Category", "ClaimedById", "ClaimedByName", "ClaimedItemVersion", "CreatedAt", "DecidedAt", "GradedById", "LeaseExpiresAt",
            "Priority", "Reasons", "ResolutionDecisionId", "ReturnItemId", "Status", "TriggerDecisionId", "Version");
        for (var i = 0; i < items.Length; i++)
        {
            var item = items[i];
            if (!item.Reviewed && !item.Open)
            {
                continue;
            }
            var reasons = AllReasons.Where(r => (item.ReasonMask & Bit(r)) != 0).ToList();
            var priority = ReviewRouter.Priority(reasons, (decimal)item.Value);
            var claimed = item.Reviewed || random.NextDouble() < 0.02;
            var supervisor = item.Reviewed ? item.Supervisor : random.Next(shape.Supervisors);
            insert.Row(
                ids.Next(item.At), SeedShape.Categories[item.Category],
                claimed ? SeedShape.SupervisorId(supervisor) : null, claimed ? $"Supervisor {supervisor + 1:D2}" : null,
                claimed ? Text(Guid.NewGuid()) : null, Text(item.At), item.Reviewed ? Text(item.ReviewedAt) : null,
                SeedShape.AssociateId(item.Associate), claimed && item.Open ? Text(now.AddMinutes(random.Next(1, 15))) : null,
                priority, string.Join(',', reasons), item.Reviewed ? reviewIds[i] : null, itemIds[i],
                item.Reviewed ? nameof(ReviewStatus.Decided) : nameof(ReviewStatus.Open), stationIds[i], Text(Guid.NewGuid()));
        }
    }

    private static void WritePhotosAndPredictions(SqliteConnection connection, ItemDraft[] items, string[] itemIds, string?[] photoIds, IdMaker ids, Random random, SeedCounts counts)
    {
        using (var photos = new Insert(connection, "Photos",
            "Id", "ByteSize", "ContentType", "Height", "OriginalFileName", "ReturnItemId", "Sha256", "SourceFormat", "SourceHeight",
            "SourceWidth", "StorageKey", "UploadedAt", "UploadedBy", "Width"))
        {
            var hash = new byte[32];
            for (var i = 0; i < items.Length; i++)
            {
                var item = items[i];
                if (photoIds[i] is null)
                {
                    continue;
                }
                var uploadedAt = item.At.AddMinutes(-2);
                random.NextBytes(hash);
                photos.Row(
                    photoIds[i], random.Next(350_000, 900_000), "image/jpeg", 2048, $"IMG_{random.Next(1000, 9999)}.JPG", itemIds[i],
                    Convert.ToHexStringLower(hash), "jpeg", 3024, 4032, $"{uploadedAt:yyyy/MM/dd}/{Guid.NewGuid():N}.jpg", Text(uploadedAt),
                    SeedShape.AssociateId(item.Associate), 1536);
                counts.Photos++;
            }
        }
        using var predictions = new Insert(connection, "Predictions",
            "Id", "Confidence", "CreatedAt", "Grade", "IsShadow", "LatencyMs", "ModelVersion", "PhotoId", "ProbabilitiesJson", "RegionsJson");
        var json = new StringBuilder();
        for (var i = 0; i < items.Length; i++)
        {
            var item = items[i];
            if (photoIds[i] is null || item.Suggested < 0)
            {
                continue;
            }
            var createdAt = item.At.AddMinutes(-2).AddSeconds(1);
            predictions.Row(
                ids.Next(createdAt), item.Confidence, Text(createdAt), GradeNames[item.Suggested], false, 20 + random.NextDouble() * 15,
                SeedShape.ModelVersion, photoIds[i], Probabilities(json, item.Suggested, item.Confidence), "[]");
            counts.Predictions++;
        }
    }

    /// <summary>One region per marked type: boxed on the item's photo where it has one, else by type only.</summary>
    private static void WriteDamage(SqliteConnection connection, ItemDraft[] items, string[] stationIds, string[] reviewIds, string?[] photoIds,
        IdMaker ids, Random random, SeedCounts counts)
    {
        using var insert = new Insert(connection, "DamageRegions",
            "Id", "DecisionId", "Height", "ModelScore", "PhotoId", "Source", "Type", "Width", "X", "Y");
        void Region(string decisionId, DateTime at, string? photoId, int type, RegionSource source, bool fromModel)
        {
            var boxed = photoId is not null;
            insert.Row(ids.Next(at), decisionId, boxed ? random.Next(40, 600) : null, fromModel ? 0.5 + 0.5 * random.NextDouble() : null, photoId,
                source.ToString(), DamageNames[type], boxed ? random.Next(40, 600) : null, boxed ? random.Next(0, 900) : null, boxed ? random.Next(0, 1400) : null);
            counts.DamageRegions++;
        }
        for (var i = 0; i < items.Length; i++)
        {
            var item = items[i];
            for (var t = 0; t < DamageShare.Length; t++)
            {
                if ((item.GraderDamage >> t & 1) == 1)
                {
                    var fromModel = item.Suggested >= 0 && random.NextDouble() < 0.7;
                    Region(stationIds[i], item.At, photoIds[i], t, fromModel ? (random.NextDouble() < 0.8 ? RegionSource.Accepted : RegionSource.Edited) : RegionSource.Added, fromModel);
                }
                if ((item.DeletedDamage >> t & 1) == 1 && (item.GraderDamage >> t & 1) == 0)
                {
                    Region(stationIds[i], item.At, photoIds[i], t, RegionSource.Deleted, fromModel: true);
                }
                if (item.Reviewed && (item.FinalDamage >> t & 1) == 1)
                {
                    Region(reviewIds[i], item.ReviewedAt, photoIds[i], t, (item.GraderDamage >> t & 1) == 1 ? RegionSource.Accepted : RegionSource.Added, fromModel: false);
                }
            }
        }
    }

    private static string Probabilities(StringBuilder json, int top, double confidence)
    {
        json.Clear().Append('{');
        var rest = (1 - confidence) / (GradeCount - 1);
        for (var g = 0; g < GradeCount; g++)
        {
            json.Append(g == 0 ? "" : ",").Append('"').Append(GradeNames[g]).Append("\":")
                .Append((g == top ? confidence : rest).ToString("0.####", CultureInfo.InvariantCulture));
        }
        return json.Append('}').ToString();
    }

    private static string DispositionFor(int grade) => grade switch
    {
        0 => nameof(Disposition.Restock),
        1 or 2 => nameof(Disposition.ResellUsed),
        3 => nameof(Disposition.Liquidate),
        _ => nameof(Disposition.Recycle),
    };

    private static int Bit(ReviewReason reason) => 1 << (int)reason;

    private static int Noisy(int grade, double exact, double offByOne, Random random)
    {
        var draw = random.NextDouble();
        var step = draw < exact ? 0 : draw < exact + offByOne ? 1 : 2;
        var sign = random.Next(2) == 0 ? -1 : 1;
        var moved = grade + sign * step;
        return moved is < 0 or >= GradeCount ? Math.Clamp(grade - sign * step, 0, GradeCount - 1) : moved;
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static double[] Cumulative(double[] weights)
    {
        var total = weights.Sum();
        var running = 0.0;
        return weights.Select(w => running += w / total).ToArray();
    }

    private static int Pick(double[] cumulative, double draw)
    {
        var index = Array.FindIndex(cumulative, c => draw < c);
        return index < 0 ? cumulative.Length - 1 : index;
    }

    internal static string Text(Guid id) => id.ToString().ToUpperInvariant();

    internal static string Text(DateTime at) => at.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);

    private static async Task ExecAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Version 7 Guids (time-ordered, as the app's Guid.CreateVersion7) from the seeded random, so a seed is repeatable.</summary>
    private sealed class IdMaker(Random random)
    {
        private readonly byte[] _bytes = new byte[16];

        public string Next(DateTime at)
        {
            var ms = new DateTimeOffset(at, TimeSpan.Zero).ToUnixTimeMilliseconds();
            random.NextBytes(_bytes);
            for (var b = 0; b < 6; b++)
            {
                _bytes[b] = (byte)(ms >> (8 * (5 - b)));
            }
            _bytes[6] = (byte)(0x70 | (_bytes[6] & 0x0F));
            _bytes[8] = (byte)(0x80 | (_bytes[8] & 0x3F));
            return Text(new Guid(_bytes, bigEndian: true));
        }
    }

    /// <summary>One prepared INSERT, committed every <see cref="BatchRows"/> rows.</summary>
    private sealed class Insert : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _command;
        private readonly SqliteParameter[] _parameters;
        private SqliteTransaction _transaction;
        private int _pending;

        public Insert(SqliteConnection connection, string table, params string[] columns)
        {
            _connection = connection;
            _transaction = connection.BeginTransaction();
            _command = connection.CreateCommand();
#pragma warning disable CA2100 // Table and column names are this file's constants; every value is a parameter.
            _command.CommandText = $"INSERT INTO \"{table}\" ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) VALUES ({string.Join(", ", columns.Select((_, i) => $"$p{i}"))})";
#pragma warning restore CA2100
            _parameters = columns.Select((_, i) => _command.Parameters.Add(new SqliteParameter($"$p{i}", null))).ToArray();
            _command.Transaction = _transaction;
            _command.Prepare();
        }

        public void Row(params object?[] values)
        {
            for (var i = 0; i < values.Length; i++)
            {
                _parameters[i].Value = values[i] switch
                {
                    null => DBNull.Value,
                    bool b => b ? 1L : 0L,
                    var v => v,
                };
            }
            _command.ExecuteNonQuery();
            if (++_pending == BatchRows)
            {
                _transaction.Commit();
                _transaction.Dispose();
                _transaction = _connection.BeginTransaction();
                _command.Transaction = _transaction;
                _pending = 0;
            }
        }

        public void Dispose()
        {
            _transaction.Commit();
            _transaction.Dispose();
            _command.Dispose();
        }
    }
}
