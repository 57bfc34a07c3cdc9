using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Grading;

namespace Returns.Grader.Web.Features.Decisions;

/// <summary>What the dashboard counts of one station decision (corrections included). GradePrefilled: the station filled
/// the grade in from the suggestion and it was saved as it was (not in grader-vs-model: it agrees by construction).</summary>
public readonly record struct StationFacts(
    DateTime DecidedAt, string Category, double UnitValue, string ActorId, string ActorName, string? Model, Grade Grade, Grade? Suggested, bool Blind,
    bool GradePrefilled = false);

/// <summary>One of the model's (non-shadow) predictions on a photo the supervisor saw.</summary>
public readonly record struct PredictionFacts(string ModelVersion, Grade Grade, double Confidence);

/// <summary>What the dashboard counts of one review decision and the decision it superseded.</summary>
/// <param name="GradedDamage">Bit per <see cref="DamageType"/> the grader marked (deleted suggestions are not damage).</param>
/// <param name="FinalDamage">Bit per <see cref="DamageType"/> the supervisor marked.</param>
public sealed record ReviewFacts(
    DateTime DecidedAt, string Category, double UnitValue, string GradedBy, string? GradedModel, Grade Graded, Grade? Suggested, Grade Final,
    int GradedDamage, int FinalDamage, IReadOnlyList<PredictionFacts> Predictions);

/// <summary>What the dashboard counts of one review task: its reasons, on the day it opened.</summary>
public readonly record struct TaskFacts(DateTime CreatedAt, string Category, string GradedById, string Reasons);

/// <summary>
/// Changes to the dashboard's pre-aggregated counts (ADR 0008). Collected while a decision is built, written by
/// <see cref="ApplyAsync"/> in the same transaction as the decision, so a count never disagrees with the rows it counts.
/// The rebuild feeds the same methods, so incremental and rebuilt counts follow one definition.
/// </summary>
public sealed class QualityCountChanges
{
    private readonly Dictionary<DailyKey, (long Count, double Sum)> _daily = [];
    private readonly Dictionary<HourlyKey, (long Count, string ActorName)> _hourly = [];

    private readonly record struct DailyKey(QualityScope Scope, string ScopeValue, int Day, QualityFigure Figure, int A, int B);

    private readonly record struct HourlyKey(int Hour, string ActorId, string Category, string ModelVersion);

    public int Count => _daily.Count + _hourly.Count;

    public static int DayOf(DateTime utc) => DateOnly.FromDateTime(utc).DayNumber;

    public static int HourOf(DateTime utc) => DayOf(utc) * 24 + utc.Hour;

    public static DateTime StartOfHour(int hour) =>
        DateOnly.FromDayNumber(hour / 24).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).AddHours(hour % 24);

    /// <summary>Confidence bins of the reliability diagram: tenths, 1.0 in a bin of its own (merged into the last when shown).</summary>
    public static int DamageMask(IEnumerable<DamageType> types) => types.Aggregate(0, (mask, type) => mask | 1 << (int)type);

    /// <summary>
    /// A station save (a first grade or a correction): counted as work (throughput, and the decisions review rates are a
    /// share of) and, while it is the item's latest station grade, in the grader-vs-model and acceptance figures.
    /// </summary>
    public void AddStation(StationFacts d)
    {
        var day = DayOf(d.DecidedAt);
        foreach (var (scope, value) in Slices(d.Category, d.ActorId, d.Model))
        {
            Add(new DailyKey(scope, value, day, QualityFigure.StationDecisions, 0, 0), 1, 0);
        }
        AddStationAgreement(d, +1);
        var key = new HourlyKey(HourOf(d.DecidedAt), d.ActorId, d.Category, d.Model ?? "");
        _hourly[key] = (_hourly.GetValueOrDefault(key).Count + 1, d.ActorName);
    }

    /// <summary>
    /// A station grade replaced by a correction leaves the grader-vs-model and acceptance figures (on its own day): they
    /// are of each item's latest station grade. A correction of the disposition alone counted the item twice there,
    /// "shown 2, kept 1" (review of the quality figures, 2026-12-06; ADR 0034 calls counting an item twice a defect).
    /// </summary>
    public void RemoveReplacedStation(StationFacts d) => AddStationAgreement(d, -1);

    private void AddStationAgreement(StationFacts d, int sign)
    {
        if (d.Suggested is not { } suggested)
        {
            return;
        }
        var day = DayOf(d.DecidedAt);
        foreach (var (scope, value) in Slices(d.Category, d.ActorId, d.Model))
        {
            // A grade saved as the station prefilled it agrees with the model by construction: counted as kept (acceptance
            // below), not as a grader agreeing with the model (exploratory pass, 2026-12-06; the model comparison left
            // them out already).
            if (!d.GradePrefilled)
            {
                Add(new DailyKey(scope, value, day, QualityFigure.GraderVsModel, (int)d.Grade, (int)suggested), sign, sign * d.UnitValue);
            }
            Add(new DailyKey(scope, value, day, d.Blind ? QualityFigure.SuggestionBlind : QualityFigure.SuggestionShown, 0, 0), sign, 0);
            if (d.Grade == suggested)
            {
                Add(new DailyKey(scope, value, day, d.Blind ? QualityFigure.SuggestionBlindAgreed : QualityFigure.SuggestionKept, 0, 0), sign, 0);
            }
        }
    }

    public void AddReview(ReviewFacts r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var day = DayOf(r.DecidedAt);
        foreach (var (scope, value) in Slices(r.Category, r.GradedBy, r.GradedModel))
        {
            Add(new DailyKey(scope, value, day, QualityFigure.GraderVsFinal, (int)r.Graded, (int)r.Final), 1, r.UnitValue);
            if (r.Suggested is { } suggested)
            {
                Add(new DailyKey(scope, value, day, QualityFigure.ModelVsFinal, (int)suggested, (int)r.Final), 1, r.UnitValue);
            }
            foreach (var type in Enum.GetValues<DamageType>())
            {
                var bit = 1 << (int)type;
                AddIf((r.GradedDamage & bit) != 0, new DailyKey(scope, value, day, QualityFigure.DamageGrader, (int)type, 0));
                AddIf((r.FinalDamage & bit) != 0, new DailyKey(scope, value, day, QualityFigure.DamageFinal, (int)type, 0));
                AddIf((r.GradedDamage & r.FinalDamage & bit) != 0, new DailyKey(scope, value, day, QualityFigure.DamageBoth, (int)type, 0));
            }
        }
        // Calibration is the model's: its model slice is the prediction's model, not the one the grader saw.
        foreach (var p in r.Predictions)
        {
            foreach (var (scope, value) in Slices(r.Category, r.GradedBy, p.ModelVersion))
            {
                var bin = GradeAgreement.BinOf(p.Confidence);
                Add(new DailyKey(scope, value, day, QualityFigure.Calibration, bin, 0), 1, p.Confidence);
                AddIf(p.Grade == r.Final, new DailyKey(scope, value, day, QualityFigure.CalibrationCorrect, bin, 0));
            }
        }
    }

    /// <summary>The row that says which definition these counts follow (<see cref="QualityCountRebuild.Definition"/>).</summary>
    internal void AddDefinitionMarker(int definition) => Add(new DailyKey(QualityScope.All, "", 0, QualityFigure.CountsDefinition, definition, 0), 1, 0);

    /// <summary>A task's reasons counted (+1) or uncounted (−1): a task that gains a reason or changes hands is moved, not added twice.</summary>
    public void AddTask(TaskFacts t, int sign)
    {
        var day = DayOf(t.CreatedAt);
        foreach (var reason in t.Reasons.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Enum.Parse<ReviewReason>))
        {
            // Tasks carry no model: the model slice reads the tasks of all models (as the live report does).
            foreach (var (scope, value) in Slices(t.Category, t.GradedById, model: null))
            {
                Add(new DailyKey(scope, value, day, QualityFigure.ReviewTasks, (int)reason, 0), sign, 0);
            }
        }
    }

    private static IEnumerable<(QualityScope, string)> Slices(string category, string associate, string? model)
    {
        yield return (QualityScope.All, "");
        yield return (QualityScope.Category, category);
        yield return (QualityScope.Associate, associate);
        if (model is not null)
        {
            yield return (QualityScope.Model, model);
        }
    }

    private void AddIf(bool condition, DailyKey key)
    {
        if (condition)
        {
            Add(key, 1, 0);
        }
    }

    private void Add(DailyKey key, long count, double sum)
    {
        var (c, s) = _daily.GetValueOrDefault(key);
        _daily[key] = (c + count, s + sum);
    }

    /// <summary>
    /// Adds the changes to the stored counts inside the caller's transaction (one prepared upsert per changed cell), so
    /// two stations grading at once both count: the database adds, nobody reads-then-writes.
    /// </summary>
    public async Task ApplyAsync(GraderDb db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (Count == 0)
        {
            return;
        }
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Quality counts are written in the decision's transaction.");
        var connection = transaction.Connection!;
        var (dailyUpsert, hourlyUpsert) = UpsertsFor(db);

        await using (var daily = connection.CreateCommand())
        {
            daily.Transaction = transaction;
            daily.CommandText = dailyUpsert;
            var p = Parameters(daily, "scope", "value", "day", "figure", "a", "b", "count", "sum");
            // In key order, so that two transactions touching the same cells lock them in the same order (no deadlock
            // between two stations on SQL Server or PostgreSQL, where row locks are taken cell by cell).
            foreach (var (key, (count, sum)) in _daily.Where(c => c.Value.Count != 0 || c.Value.Sum != 0)
                         .OrderBy(c => c.Key.Scope).ThenBy(c => c.Key.ScopeValue, StringComparer.Ordinal).ThenBy(c => c.Key.Day)
                         .ThenBy(c => c.Key.Figure).ThenBy(c => c.Key.A).ThenBy(c => c.Key.B))
            {
                (p[0].Value, p[1].Value, p[2].Value, p[3].Value, p[4].Value, p[5].Value, p[6].Value, p[7].Value) =
                    ((int)key.Scope, key.ScopeValue, key.Day, (int)key.Figure, key.A, key.B, count, sum);
                await daily.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        await using (var hourly = connection.CreateCommand())
        {
            hourly.Transaction = transaction;
            hourly.CommandText = hourlyUpsert;
            var p = Parameters(hourly, "hour", "actor", "name", "category", "model", "count");
            foreach (var (key, (count, name)) in _hourly.OrderBy(h => h.Key.Hour).ThenBy(h => h.Key.ActorId, StringComparer.Ordinal)
                         .ThenBy(h => h.Key.Category, StringComparer.Ordinal).ThenBy(h => h.Key.ModelVersion, StringComparer.Ordinal))
            {
                (p[0].Value, p[1].Value, p[2].Value, p[3].Value, p[4].Value, p[5].Value) =
                    (key.Hour, key.ActorId, name, key.Category, key.ModelVersion, count);
                await hourly.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }

    /// <summary>The provider's upsert statements (the hand-written SQL of the app; SQL Server's are parsed in a test).</summary>
    internal static (string Daily, string Hourly) UpsertsFor(GraderDb db) => db switch
    {
        SqliteGraderDb => (SqliteDailyUpsert, SqliteHourlyUpsert),
        SqlServerGraderDb => (SqlServerDailyUpsert, SqlServerHourlyUpsert),
        PostgresGraderDb => (PostgresDailyUpsert, PostgresHourlyUpsert),
        _ => throw new NotSupportedException($"No quality-count upserts for {db.GetType().Name}."),
    };

    private static DbParameter[] Parameters(DbCommand command, params string[] names) => names.Select(name =>
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@" + name;
        command.Parameters.Add(parameter);
        return parameter;
    }).ToArray();

    private const string SqliteDailyUpsert = """
        INSERT INTO "QualityDailyCounts" ("Scope", "ScopeValue", "Day", "Figure", "A", "B", "Count", "Sum")
        VALUES (@scope, @value, @day, @figure, @a, @b, @count, @sum)
        ON CONFLICT ("Scope", "ScopeValue", "Day", "Figure", "A", "B")
        DO UPDATE SET "Count" = "Count" + excluded."Count", "Sum" = "Sum" + excluded."Sum";
        """;

    private const string SqliteHourlyUpsert = """
        INSERT INTO "QualityHourlyCounts" ("Hour", "ActorId", "ActorName", "Category", "ModelVersion", "Count")
        VALUES (@hour, @actor, @name, @category, @model, @count)
        ON CONFLICT ("Hour", "ActorId", "Category", "ModelVersion")
        DO UPDATE SET "Count" = "Count" + excluded."Count", "ActorName" = excluded."ActorName";
        """;

    // PostgreSQL: an unqualified "Count" in DO UPDATE would be ambiguous (the stored row or excluded), so the stored
    // row is named by the table's alias. The conflict target is the primary key, as in SQLite.
    private const string PostgresDailyUpsert = """
        INSERT INTO "QualityDailyCounts" AS c ("Scope", "ScopeValue", "Day", "Figure", "A", "B", "Count", "Sum")
        VALUES (@scope, @value, @day, @figure, @a, @b, @count, @sum)
        ON CONFLICT ("Scope", "ScopeValue", "Day", "Figure", "A", "B")
        DO UPDATE SET "Count" = c."Count" + excluded."Count", "Sum" = c."Sum" + excluded."Sum";
        """;

    private const string PostgresHourlyUpsert = """
        INSERT INTO "QualityHourlyCounts" AS c ("Hour", "ActorId", "ActorName", "Category", "ModelVersion", "Count")
        VALUES (@hour, @actor, @name, @category, @model, @count)
        ON CONFLICT ("Hour", "ActorId", "Category", "ModelVersion")
        DO UPDATE SET "Count" = c."Count" + excluded."Count", "ActorName" = excluded."ActorName";
        """;

    // Not run here (no SQL Server engine on the build machine): UPDLOCK + SERIALIZABLE make update-else-insert atomic.
    internal const string SqlServerDailyUpsert = """
        UPDATE [QualityDailyCounts] WITH (UPDLOCK, SERIALIZABLE) SET [Count] = [Count] + @count, [Sum] = [Sum] + @sum
        WHERE [Scope] = @scope AND [ScopeValue] = @value AND [Day] = @day AND [Figure] = @figure AND [A] = @a AND [B] = @b;
        IF @@ROWCOUNT = 0
            INSERT INTO [QualityDailyCounts] ([Scope], [ScopeValue], [Day], [Figure], [A], [B], [Count], [Sum])
            VALUES (@scope, @value, @day, @figure, @a, @b, @count, @sum);
        """;

    internal const string SqlServerHourlyUpsert = """
        UPDATE [QualityHourlyCounts] WITH (UPDLOCK, SERIALIZABLE) SET [Count] = [Count] + @count, [ActorName] = @name
        WHERE [Hour] = @hour AND [ActorId] = @actor AND [Category] = @category AND [ModelVersion] = @model;
        IF @@ROWCOUNT = 0
            INSERT INTO [QualityHourlyCounts] ([Hour], [ActorId], [ActorName], [Category], [ModelVersion], [Count])
            VALUES (@hour, @actor, @name, @category, @model, @count);
        """;
}

/// <summary>Rebuilds the dashboard's counts from the decisions themselves: after an upgrade that adds or redefines them, or to repair.</summary>
public static class QualityCountRebuild
{
    /// <summary>
    /// The definition the counts follow, kept in a marker row the rebuild writes. 2: a correction removes the grade it
    /// replaces from grader-vs-model and acceptance (ADR 0044). A start that finds counts under another definition, or
    /// none, rebuilds them; decided by the marker, not by "no rows", because a node of the previous release still
    /// serving during an upgrade writes rows (diff review, 2026-12-06: emptied by a migration, then one old node's
    /// grade, and the rebuild never ran). 3: a review's model figures leave out the photos set aside by then (ADR 0052).
    /// 4: grader-vs-model leaves out grades saved as the station prefilled them (they agree with the model by construction).
    /// </summary>
    public const int Definition = 4;

    /// <summary>The key of the PostgreSQL transaction lock two starting nodes take turns on to rebuild ("GraderQc").</summary>
    private const long RebuildLockKey = 0x4772616465725163;

    private static IQueryable<QualityDailyCount> Marker(GraderDb db) =>
        db.QualityDailyCounts.Where(c => c.Scope == QualityScope.All && c.ScopeValue == "" && c.Day == 0
            && c.Figure == QualityFigure.CountsDefinition && c.A == Definition);

    /// <summary>Rebuilds when there are decisions and the counts are not those of <see cref="Definition"/> (or missing).</summary>
    public static async Task<bool> RebuildIfStaleAsync(GraderDb db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (await Marker(db).AnyAsync(cancellationToken) || !await db.GradeDecisions.AnyAsync(cancellationToken))
        {
            return false;
        }
        return await RebuildCoreAsync(db, onlyIfStale: true, cancellationToken);
    }

    /// <summary>
    /// Replaces every count in one transaction, streaming the decisions (rows are read one at a time; what is held is
    /// the damage types per decision and the predictions per reviewed item).
    /// </summary>
    public static Task RebuildAsync(GraderDb db, CancellationToken cancellationToken) => RebuildCoreAsync(db, onlyIfStale: false, cancellationToken);

    private static async Task<bool> RebuildCoreAsync(GraderDb db, bool onlyIfStale, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var changes = new QualityCountChanges();

        var station =
            from d in db.GradeDecisions.AsNoTracking()
            where d.Kind != DecisionKind.Review
            join i in db.ReturnItems on d.ReturnItemId equals i.Id
            select new
            {
                Facts = new StationFacts(d.DecidedAt, i.Category, (double)i.UnitValue, d.ActorId, d.ActorName, d.SuggestedByModel, d.Grade, d.SuggestedGrade, d.Blind,
                    d.GradePrefilled),
                Replaced = db.GradeDecisions.Any(c => c.SupersedesId == d.Id && c.Kind == DecisionKind.Correction),
            };
        await foreach (var d in station.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            changes.AddStation(d.Facts);
            if (d.Replaced)
            {
                changes.RemoveReplacedStation(d.Facts);
            }
        }

        var damage = new Dictionary<Guid, int>();
        var regions = db.DamageRegions.AsNoTracking().Where(r => r.Source != RegionSource.Deleted).Select(r => new { r.DecisionId, r.Type });
        await foreach (var region in regions.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            damage[region.DecisionId] = damage.GetValueOrDefault(region.DecisionId) | 1 << (int)region.Type;
        }

        var predictions = new Dictionary<Guid, List<(PredictionFacts Facts, DateTime At, DateTime? SetAsideAt)>>();
        var modelSaid =
            from p in db.Predictions.AsNoTracking()
            where !p.IsShadow
            join photo in db.Photos on p.PhotoId equals photo.Id
            select new { photo.ReturnItemId, p.ModelVersion, p.Grade, p.Confidence, p.CreatedAt, photo.SetAsideAt };
        await foreach (var p in modelSaid.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            if (!predictions.TryGetValue(p.ReturnItemId, out var list))
            {
                predictions[p.ReturnItemId] = list = [];
            }
            list.Add((new PredictionFacts(p.ModelVersion, p.Grade, p.Confidence), p.CreatedAt, p.SetAsideAt));
        }

        var reviews =
            from final in db.GradeDecisions.AsNoTracking()
            where final.Kind == DecisionKind.Review
            join graded in db.GradeDecisions on final.SupersedesId equals graded.Id
            join i in db.ReturnItems on final.ReturnItemId equals i.Id
            select new
            {
                final.Id, GradedId = graded.Id, final.ReturnItemId, final.DecidedAt, i.Category, Value = (double)i.UnitValue,
                graded.ActorId, graded.SuggestedByModel, Graded = graded.Grade, graded.SuggestedGrade, Final = final.Grade,
            };
        await foreach (var r in reviews.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            // as the review counted them: not a photo set aside by then (ADR 0052)
            var seen = predictions.GetValueOrDefault(r.ReturnItemId)?.Where(p => p.At <= r.DecidedAt && !(p.SetAsideAt <= r.DecidedAt)).Select(p => p.Facts).ToList() ?? [];
            changes.AddReview(new ReviewFacts(r.DecidedAt, r.Category, r.Value, r.ActorId, r.SuggestedByModel, r.Graded, r.SuggestedGrade, r.Final,
                damage.GetValueOrDefault(r.GradedId), damage.GetValueOrDefault(r.Id), seen));
        }

        var tasks = db.ReviewTasks.AsNoTracking().Select(t => new TaskFacts(t.CreatedAt, t.Category, t.GradedById, t.Reasons));
        await foreach (var task in tasks.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            changes.AddTask(task, +1);
        }

        changes.AddDefinitionMarker(Definition);
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (db is PostgresGraderDb)
            {
                // Two nodes starting together both found the counts stale: the second's delete could not see the first's
                // uncommitted rows, and its upserts then added to them (diff review, 2026-12-06). One at a time, and the
                // later one finds the marker and stops. (SQL Server: not serialized here; SQLite is one node's file.)
                await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock({RebuildLockKey})", cancellationToken);
            }
            if (onlyIfStale && await Marker(db).AnyAsync(cancellationToken))
            {
                return false;
            }
            await db.QualityDailyCounts.ExecuteDeleteAsync(cancellationToken);
            await db.QualityHourlyCounts.ExecuteDeleteAsync(cancellationToken);
            await changes.ApplyAsync(db, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return true;
        });
    }
}
