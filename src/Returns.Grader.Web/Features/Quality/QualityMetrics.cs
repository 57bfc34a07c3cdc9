using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Review;

namespace Returns.Grader.Web.Features.Quality;

public sealed record QualityFilter(DateTime? From = null, DateTime? To = null, string? Category = null, string? Associate = null, string? ModelVersion = null);

/// <summary>
/// Agreement of two graders of the same items over the ordered grades. <see cref="Counts"/>[a][b] = items graded a by
/// the first and b by the second (grade order LikeNew … Unsellable).
/// </summary>
public sealed record Agreement(
    string Name, long[][] Counts, long Total, double Accuracy, double OffByOneRate, double QuadraticWeightedKappa,
    long OverGraded, long UnderGraded, double EstimatedCost);

public sealed record CalibrationBin(double From, double To, long Count, double MeanConfidence, double Accuracy);

public sealed record ThroughputRow(string Associate, DateTime Hour, long Decisions);

public sealed record QueueStats(long Open, double OldestHours, double MeanAgeHours, long OverTarget, IReadOnlyDictionary<string, long> OpenByReason);

/// <summary>Per damage type, over reviewed items: marked by the grader, by the supervisor, by both; Jaccard agreement.</summary>
public sealed record DamageAgreement(string Type, long Grader, long Final, long Both, double Agreement);

/// <summary>Review tasks opened in the period for a reason, and their share of the period's station decisions.</summary>
public sealed record ReviewRate(string Reason, long Tasks, double ShareOfDecisions);

public sealed record QualityReport(
    QualityFilter Filter, Agreement ModelVsFinal, Agreement GraderVsFinal, Agreement GraderVsModel,
    IReadOnlyList<CalibrationBin> Calibration, double ExpectedCalibrationError, IReadOnlyList<ThroughputRow> Throughput, QueueStats Queue,
    IReadOnlyList<DamageAgreement> DamageTypeAgreement, IReadOnlyList<ReviewRate> ReviewRates);

/// <summary>
/// The quality figures, computed by the database (grouped counts over indexed columns; rows are never loaded), so a
/// month of a busy site stays fast. Final label = a supervisor's review decision; the grader's is the one it superseded.
/// </summary>
public sealed class QualityMetrics(IDbContextFactory<GraderDb> dbFactory, IOptionsMonitor<ReviewOptions> review, TimeProvider clock)
{
    /// <summary>Share of the unit value lost per grade of error (an estimate for the cost figure; a business setting).</summary>
    public const double ValueLostPerGrade = 0.15;

    private static readonly int GradeCount = Enum.GetValues<Grade>().Length;

    public async Task<QualityReport> ReportAsync(QualityFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);

        // Reviewed pairs: a review decision and the grader decision it superseded.
        var pairs =
            from final in Decisions(db, filter, DecisionKind.Review)
            join graded in db.GradeDecisions on final.SupersedesId equals graded.Id
            select new { FinalId = final.Id, GradedId = graded.Id, final.ReturnItemId, Final = final.Grade, Graded = graded.Grade, Suggested = graded.SuggestedGrade, graded.ActorId, graded.SuggestedByModel };
        if (!string.IsNullOrWhiteSpace(filter.Associate))
        {
            pairs = pairs.Where(p => p.ActorId == filter.Associate);
        }
        if (!string.IsNullOrWhiteSpace(filter.ModelVersion))
        {
            pairs = pairs.Where(p => p.SuggestedByModel == filter.ModelVersion);
        }
        // The item's value by an explicit join, not the navigation: a navigation inside a grouped Sum becomes a correlated
        // subquery that rescans the period once per matrix cell (docs/benchmarks.md, issue 4).
        var reviewed =
            from p in pairs
            join item in db.ReturnItems on p.ReturnItemId equals item.Id
            select new { p.Final, p.Graded, p.Suggested, Value = (double)item.UnitValue };

        var graderCells = await reviewed.GroupBy(p => new { A = p.Graded, B = p.Final })
            .Select(g => new Cell(g.Key.A, g.Key.B, g.LongCount(), g.Sum(p => p.Value))).ToListAsync(cancellationToken);
        var modelCells = await reviewed.Where(p => p.Suggested != null).GroupBy(p => new { A = p.Suggested!.Value, B = p.Final })
            .Select(g => new Cell(g.Key.A, g.Key.B, g.LongCount(), g.Sum(p => p.Value))).ToListAsync(cancellationToken);

        var station = Decisions(db, filter, null).Where(d => d.Kind != DecisionKind.Review);
        if (!string.IsNullOrWhiteSpace(filter.Associate))
        {
            station = station.Where(d => d.ActorId == filter.Associate);
        }
        if (!string.IsNullOrWhiteSpace(filter.ModelVersion))
        {
            station = station.Where(d => d.SuggestedByModel == filter.ModelVersion);
        }
        var graderModelCells = await (
                from d in station.Where(d => d.SuggestedGrade != null)
                join item in db.ReturnItems on d.ReturnItemId equals item.Id
                select new { d.Grade, Suggested = d.SuggestedGrade!.Value, Value = (double)item.UnitValue })
            .GroupBy(d => new { A = d.Grade, B = d.Suggested })
            .Select(g => new Cell(g.Key.A, g.Key.B, g.LongCount(), g.Sum(d => d.Value))).ToListAsync(cancellationToken);

        var (calibration, ece) = await CalibrationAsync(db, filter, cancellationToken);
        var throughput = await station
            .GroupBy(d => new { d.ActorName, d.DecidedAt.Date, d.DecidedAt.Hour })
            .Select(g => new { g.Key.ActorName, g.Key.Date, g.Key.Hour, Count = g.LongCount() })
            // The newest hours matter most: keep the last 5,000 associate-hours, then put them back in time order.
            .OrderByDescending(r => r.Date).ThenByDescending(r => r.Hour).ThenBy(r => r.ActorName)
            .Take(5000)
            .ToListAsync(cancellationToken);
        throughput.Reverse();

        var damageAgreement = await DamageAgreementAsync(db, pairs.Select(p => new Pair { GradedId = p.GradedId, FinalId = p.FinalId }), cancellationToken);
        var stationCount = await station.LongCountAsync(cancellationToken);
        var reviewRates = await ReviewRatesAsync(db, filter, stationCount, cancellationToken);

        return new QualityReport(
            filter,
            Compute("Model vs final label", modelCells.Select(c => (c.A, c.B, c.Count, c.Value))),
            Compute("Grader vs final label", graderCells.Select(c => (c.A, c.B, c.Count, c.Value))),
            Compute("Grader vs model", graderModelCells.Select(c => (c.A, c.B, c.Count, c.Value))),
            calibration, ece,
            throughput.Select(r => new ThroughputRow(r.ActorName, DateTime.SpecifyKind(r.Date.AddHours(r.Hour), DateTimeKind.Utc), r.Count)).ToList(),
            await QueueAsync(db, cancellationToken),
            damageAgreement, reviewRates);
    }

    // A settable class, not a positional record: EF composes member-init projections into later joins.
    private sealed class Pair
    {
        public Guid GradedId { get; init; }
        public Guid FinalId { get; init; }
    }

    /// <summary>Three grouped counts over the damage rows of reviewed pairs (deleted suggestions are not damage).</summary>
    private static async Task<IReadOnlyList<DamageAgreement>> DamageAgreementAsync(GraderDb db, IQueryable<Pair> pairs, CancellationToken cancellationToken)
    {
        var regions = db.DamageRegions.AsNoTracking().Where(r => r.Source != RegionSource.Deleted);
        var grader = await (from p in pairs join r in regions on p.GradedId equals r.DecisionId
                            group p.GradedId by r.Type into g select new { Type = g.Key, Count = g.Distinct().LongCount() }).ToListAsync(cancellationToken);
        var final = await (from p in pairs join r in regions on p.FinalId equals r.DecisionId
                           group p.FinalId by r.Type into g select new { Type = g.Key, Count = g.Distinct().LongCount() }).ToListAsync(cancellationToken);
        var both = await (from p in pairs
                          join g in regions on p.GradedId equals g.DecisionId
                          join f in regions on p.FinalId equals f.DecisionId
                          where g.Type == f.Type
                          group p.FinalId by g.Type into t select new { Type = t.Key, Count = t.Distinct().LongCount() }).ToListAsync(cancellationToken);
        return Enum.GetValues<DamageType>().Select(type =>
        {
            var a = grader.FirstOrDefault(x => x.Type == type)?.Count ?? 0;
            var b = final.FirstOrDefault(x => x.Type == type)?.Count ?? 0;
            var ab = both.FirstOrDefault(x => x.Type == type)?.Count ?? 0;
            var union = a + b - ab;
            return new DamageAgreement(Infrastructure.WireName<DamageType>.Of(type), a, b, ab, union == 0 ? 1 : Math.Round((double)ab / union, 4));
        }).ToList();
    }

    /// <summary>Tasks grouped by their reason list (few distinct lists), then counted per reason here.</summary>
    private static async Task<IReadOnlyList<ReviewRate>> ReviewRatesAsync(GraderDb db, QualityFilter filter, long stationDecisions, CancellationToken cancellationToken)
    {
        var tasks = db.ReviewTasks.AsNoTracking();
        if (filter.From is { } from)
        {
            var start = from.ToUniversalTime();
            tasks = tasks.Where(t => t.CreatedAt >= start);
        }
        if (filter.To is { } to)
        {
            var end = to.ToUniversalTime();
            tasks = tasks.Where(t => t.CreatedAt < end);
        }
        if (!string.IsNullOrWhiteSpace(filter.Category))
        {
            tasks = tasks.Where(t => t.Category == filter.Category);
        }
        if (!string.IsNullOrWhiteSpace(filter.Associate))
        {
            tasks = tasks.Where(t => t.GradedById == filter.Associate);
        }
        var byReason = await CountByReasonAsync(tasks, cancellationToken);
        return byReason.Select(pair =>
            new ReviewRate(pair.Key, pair.Value, stationDecisions == 0 ? 0 : Math.Round((double)pair.Value / stationDecisions, 4))).ToList();
    }

    /// <summary>
    /// Tasks per reason in one grouped query: grouped by their whole reason list (few distinct lists), then split here.
    /// Ordered as the <see cref="ReviewReason"/> enum, every reason present (0 when none).
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, long>> CountByReasonAsync(IQueryable<ReviewTask> tasks, CancellationToken cancellationToken)
    {
        var lists = await tasks.GroupBy(t => t.Reasons).Select(g => new { Reasons = g.Key, Count = g.LongCount() }).ToListAsync(cancellationToken);
        var counts = new Dictionary<string, long>();
        foreach (var reason in Enum.GetNames<ReviewReason>())
        {
            counts[reason] = lists.Where(l => l.Reasons.Split(',').Contains(reason)).Sum(l => l.Count);
        }
        return counts;
    }

    private static IQueryable<GradeDecision> Decisions(GraderDb db, QualityFilter filter, DecisionKind? kind)
    {
        var query = db.GradeDecisions.AsNoTracking();
        if (kind is { } k)
        {
            query = query.Where(d => d.Kind == k);
        }
        if (filter.From is { } from)
        {
            var start = from.ToUniversalTime();
            query = query.Where(d => d.DecidedAt >= start);
        }
        if (filter.To is { } to)
        {
            var end = to.ToUniversalTime();
            query = query.Where(d => d.DecidedAt < end);
        }
        if (!string.IsNullOrWhiteSpace(filter.Category))
        {
            query = query.Where(d => d.ReturnItem!.Category == filter.Category);
        }
        return query;
    }

    /// <summary>Reliability of the model's confidence on reviewed photos: ten bins of confidence, accuracy against the final label.</summary>
    private static async Task<(IReadOnlyList<CalibrationBin>, double)> CalibrationAsync(GraderDb db, QualityFilter filter, CancellationToken cancellationToken)
    {
        var finals = Decisions(db, filter, DecisionKind.Review);
        var predictions = db.Predictions.AsNoTracking().Where(p => !p.IsShadow);
        if (!string.IsNullOrWhiteSpace(filter.ModelVersion))
        {
            predictions = predictions.Where(p => p.ModelVersion == filter.ModelVersion);
        }
        var rows = await (
                from p in predictions
                join final in finals on p.Photo!.ReturnItemId equals final.ReturnItemId
                where final.ReturnItem!.CurrentDecisionId == final.Id
                group new { p.Confidence, Correct = p.Grade == final.Grade ? 1 : 0 } by (int)(p.Confidence * 10) into bin
                select new { Bin = bin.Key, Count = bin.LongCount(), Confidence = bin.Sum(x => x.Confidence), Correct = bin.Sum(x => x.Correct) })
            .ToListAsync(cancellationToken);
        var total = rows.Sum(r => r.Count);
        var bins = rows.OrderBy(r => r.Bin).Select(r => new CalibrationBin(
            Math.Min(r.Bin, 9) / 10.0, Math.Min(r.Bin, 9) / 10.0 + 0.1, r.Count, r.Confidence / r.Count, (double)r.Correct / r.Count)).ToList();
        var ece = total == 0 ? 0 : bins.Sum(b => b.Count / (double)total * Math.Abs(b.Accuracy - b.MeanConfidence));
        return (bins, Math.Round(ece, 4));
    }

    private async Task<QueueStats> QueueAsync(GraderDb db, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var open = db.ReviewTasks.AsNoTracking().Where(t => t.Status == ReviewStatus.Open);
        var count = await open.LongCountAsync(cancellationToken);
        var oldest = await open.OrderBy(t => t.CreatedAt).Select(t => (DateTime?)t.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        var overTargetBefore = now.AddHours(-review.CurrentValue.TargetHours);
        var overTarget = await open.LongCountAsync(t => t.CreatedAt <= overTargetBefore, cancellationToken);
        var byReason = await CountByReasonAsync(open, cancellationToken);
        // The mean age needs the creation times' mean; ticks are averaged by the database.
        var meanTicks = count == 0 ? 0 : await open.Select(t => (double)t.CreatedAt.Ticks).AverageAsync(cancellationToken);
        return new QueueStats(count, oldest is null ? 0 : Math.Round((now - oldest.Value).TotalHours, 2),
            count == 0 ? 0 : Math.Round((now.Ticks - meanTicks) / TimeSpan.TicksPerHour, 2), overTarget, byReason);
    }

    private sealed record Cell(Grade A, Grade B, long Count, double Value);

    internal static Agreement Compute(string name, IEnumerable<(Grade A, Grade B, long Count, double Value)> cells)
    {
        var counts = Enumerable.Range(0, GradeCount).Select(_ => new long[GradeCount]).ToArray();
        long over = 0, under = 0, total = 0, exact = 0, offByOne = 0;
        double cost = 0;
        foreach (var (a, b, count, value) in cells)
        {
            counts[(int)a][(int)b] += count;
            total += count;
            var distance = (int)a - (int)b;
            exact += distance == 0 ? count : 0;
            offByOne += Math.Abs(distance) == 1 ? count : 0;
            // First grader better than the second (lower grade number): graded too well, the item comes back.
            over += distance < 0 ? count : 0;
            under += distance > 0 ? count : 0;
            cost += value * Math.Abs(distance) * ValueLostPerGrade;
        }
        return new Agreement(name, counts, total, total == 0 ? 0 : Math.Round((double)exact / total, 4),
            total == 0 ? 0 : Math.Round((double)offByOne / total, 4), Math.Round(QuadraticWeightedKappa(counts), 4), over, under, Math.Round(cost, 2));
    }

    /// <summary>Cohen's kappa with quadratic weights over the ordered grades (1 = perfect, 0 = chance).</summary>
    public static double QuadraticWeightedKappa(long[][] counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var k = counts.Length;
        double total = counts.Sum(row => row.Sum());
        if (total == 0)
        {
            return 0;
        }
        var rows = counts.Select(row => row.Sum() / total).ToArray();
        var columns = Enumerable.Range(0, k).Select(j => counts.Sum(row => row[j]) / total).ToArray();
        double observed = 0, expected = 0;
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                var weight = (i - j) * (i - j) / (double)((k - 1) * (k - 1));
                observed += weight * counts[i][j] / total;
                expected += weight * rows[i] * columns[j];
            }
        }
        return expected == 0 ? 1 : 1 - observed / expected;
    }
}
