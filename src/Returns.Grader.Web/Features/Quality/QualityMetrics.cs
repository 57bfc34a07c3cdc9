using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;
using Returns.Grader.Web.Features.Grading;

namespace Returns.Grader.Web.Features.Quality;

public sealed record QualityFilter(DateTime? From = null, DateTime? To = null, string? Category = null, string? Associate = null, string? ModelVersion = null)
{
    /// <summary>The dates out of order (<see cref="Infrastructure.ApiTimes.EndsBeforeItStarts"/>).</summary>
    public bool EndsBeforeItStarts => Infrastructure.ApiTimes.EndsBeforeItStarts(From, To);
}

/// <summary>An associate the quality page can filter on: the id the filter takes, and the words it shows.</summary>
public sealed record AssociateChoice(string Id, string Label);

/// <summary>What the quality page's filters can be set to (<see cref="QualityMetrics.ChoicesAsync"/>).</summary>
public sealed record QualityChoices(IReadOnlyList<string> Categories, IReadOnlyList<AssociateChoice> Associates, IReadOnlyList<string> ModelVersions)
{
    public static readonly QualityChoices None = new([], [], []);
}

public sealed record ThroughputRow(string Associate, DateTime Hour, long Decisions);

public sealed record QueueStats(long Open, double OldestHours, double MeanAgeHours, long OverTarget, IReadOnlyDictionary<string, long> OpenByReason);

/// <summary>How much graders lean on the model: of their decisions where a suggestion existed and was shown, the share
/// that kept the suggested grade unchanged; blind decisions (suggestion hidden) are the baseline.</summary>
public sealed record SuggestionAcceptance(
    string AssociateId, string AssociateName, long Shown, long AcceptedUnchanged, double AcceptedShare, long Blind, long BlindAgreed, double BlindAgreedShare);

/// <summary>Review tasks opened in the period for a reason, and their share of the period's station decisions.</summary>
public sealed record ReviewRate(string Reason, long Tasks, double ShareOfDecisions);

/// <param name="Source">Where the figures came from: <c>daily-counts</c> (the pre-aggregated counts, ADR 0008) or <c>live</c>
/// (grouped queries over the decisions: combined filters, or a range that does not start and end on whole UTC days).</param>
public sealed record QualityReport(
    QualityFilter Filter, string Source, Agreement ModelVsFinal, Agreement GraderVsFinal, Agreement GraderVsModel,
    IReadOnlyList<CalibrationBin> Calibration, double ExpectedCalibrationError, IReadOnlyList<ThroughputRow> Throughput, QueueStats Queue,
    IReadOnlyList<DamageAgreement> DamageTypeAgreement, IReadOnlyList<ReviewRate> ReviewRates,
    IReadOnlyList<SuggestionAcceptance> SuggestionAcceptance);

/// <summary>
/// The quality figures, computed by the database; rows are never loaded. Final label = a supervisor's review decision;
/// the grader's is the one it superseded. Whole-day ranges with at most one of category, associate or model are read from
/// the daily counts kept with each decision (ADR 0008: a month is a few thousand rows); anything else is computed live by
/// grouped queries over the decisions, which is exact but takes seconds over a month of a busy site.
/// </summary>
public sealed class QualityMetrics(IDbContextFactory<GraderDb> dbFactory, IOptionsMonitor<ReviewOptions> review, TimeProvider clock)
{
    public const string FromDailyCounts = "daily-counts";
    public const string Live = "live";

    public Task<QualityReport> ReportAsync(QualityFilter filter, CancellationToken cancellationToken)
    {
        filter = Normalize(filter);
        return Slice(filter) is { } slice ? CountsReportAsync(filter, slice, cancellationToken) : LiveReportAsync(filter, cancellationToken);
    }

    /// <summary>Times without a zone are UTC (the dashboard's days are UTC days); blank filters are no filters.</summary>
    private static QualityFilter Normalize(QualityFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        static string? Text(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
        return new QualityFilter(Infrastructure.ApiTimes.AssumeUtc(filter.From), Infrastructure.ApiTimes.AssumeUtc(filter.To), Text(filter.Category), Text(filter.Associate), Text(filter.ModelVersion));
    }

    /// <summary>The daily counts' slice that answers this filter, or null when only the live queries can.</summary>
    private static (QualityScope Scope, string Value)? Slice(QualityFilter filter)
    {
        if (filter.From is { TimeOfDay.Ticks: not 0 } || filter.To is { TimeOfDay.Ticks: not 0 })
        {
            return null;
        }
        return (filter.Category, filter.Associate, filter.ModelVersion) switch
        {
            (null, null, null) => (QualityScope.All, ""),
            ({ } category, null, null) => (QualityScope.Category, category),
            (null, { } associate, null) => (QualityScope.Associate, associate),
            (null, null, { } model) => (QualityScope.Model, model),
            _ => null,
        };
    }

    /// <summary>The report from the daily counts: one grouped read of the slice's days, one of its hours, and the queue.</summary>
    private async Task<QualityReport> CountsReportAsync(QualityFilter filter, (QualityScope Scope, string Value) slice, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var fromDay = filter.From is { } from ? QualityCountChanges.DayOf(from) : int.MinValue;
        var toDay = filter.To is { } to ? QualityCountChanges.DayOf(to) : int.MaxValue;
        var days = db.QualityDailyCounts.AsNoTracking().Where(c => c.Day >= fromDay && c.Day < toDay);
        var cells = await days.Where(c => c.Scope == slice.Scope && c.ScopeValue == slice.Value)
            .GroupBy(c => new { c.Figure, c.A, c.B })
            .Select(g => new FigureCell(g.Key.Figure, g.Key.A, g.Key.B, g.Sum(c => c.Count), g.Sum(c => c.Sum)))
            .ToListAsync(cancellationToken);
        if (slice.Scope == QualityScope.Model)
        {
            // Review tasks carry no model: under a model filter the rates are all tasks over all station decisions (as
            // the live report has them). Over the model's decisions alone, a model active a tenth of the time showed rates
            // ten times too high, past 100 % (review of the quality figures, 2026-12-06).
            cells.RemoveAll(c => c.Figure is QualityFigure.ReviewTasks or QualityFigure.StationDecisions);
            cells.AddRange(await days.Where(c => c.Scope == QualityScope.All
                    && (c.Figure == QualityFigure.ReviewTasks || c.Figure == QualityFigure.StationDecisions))
                .GroupBy(c => new { c.Figure, c.A })
                .Select(g => new FigureCell(g.Key.Figure, g.Key.A, 0, g.Sum(c => c.Count), 0))
                .ToListAsync(cancellationToken));
        }
        IEnumerable<FigureCell> Figure(QualityFigure figure) => cells.Where(c => c.Figure == figure);
        (Grade, Grade, long, double) Matrix(FigureCell c) => ((Grade)c.A, (Grade)c.B, c.Count, c.Sum);

        var (calibration, ece) = GradeAgreement.CalibrationFrom(Figure(QualityFigure.Calibration).Select(c =>
            new GradeAgreement.BinCounts(c.A, c.Count, c.Sum, Figure(QualityFigure.CalibrationCorrect).Where(k => k.A == c.A).Sum(k => k.Count))));
        var damage = GradeAgreement.DamageAgreementFrom(
            Figure(QualityFigure.DamageGrader).ToDictionary(c => (DamageType)c.A, c => c.Count),
            Figure(QualityFigure.DamageFinal).ToDictionary(c => (DamageType)c.A, c => c.Count),
            Figure(QualityFigure.DamageBoth).ToDictionary(c => (DamageType)c.A, c => c.Count));
        var stationCount = Figure(QualityFigure.StationDecisions).Sum(c => c.Count);
        var tasksByReason = Enum.GetValues<ReviewReason>().ToDictionary(r => r.ToString(), r => Figure(QualityFigure.ReviewTasks).Where(c => c.A == (int)r).Sum(c => c.Count));

        var hours = HoursOf(db, filter);
        hours = slice.Scope switch
        {
            QualityScope.Category => hours.Where(h => h.Category == slice.Value),
            QualityScope.Associate => hours.Where(h => h.ActorId == slice.Value),
            QualityScope.Model => hours.Where(h => h.ModelVersion == slice.Value),
            _ => hours,
        };
        var throughput = await hours.GroupBy(h => new { h.ActorName, h.Hour })
            .Select(g => new { g.Key.ActorName, g.Key.Hour, Count = g.Sum(h => h.Count) })
            .OrderByDescending(r => r.Hour).ThenBy(r => r.ActorName)
            .Take(ThroughputRows)
            .ToListAsync(cancellationToken);
        throughput.Reverse();

        return new QualityReport(
            filter, FromDailyCounts,
            GradeAgreement.Compute("Model vs final label", Figure(QualityFigure.ModelVsFinal).Select(Matrix)),
            GradeAgreement.Compute("Grader vs final label", Figure(QualityFigure.GraderVsFinal).Select(Matrix)),
            GradeAgreement.Compute("Grader vs model", Figure(QualityFigure.GraderVsModel).Select(Matrix)),
            calibration, ece,
            throughput.Select(r => new ThroughputRow(r.ActorName, QualityCountChanges.StartOfHour(r.Hour), r.Count)).ToList(),
            await QueueAsync(db, cancellationToken),
            damage, ReviewRatesFrom(tasksByReason, stationCount), await AcceptanceFromCountsAsync(db, filter, cancellationToken));
    }

    /// <summary>The station decisions per associate and hour in the filter's dates (either end open), all slices.</summary>
    private static IQueryable<QualityHourlyCount> HoursOf(GraderDb db, QualityFilter filter)
    {
        var hours = db.QualityHourlyCounts.AsNoTracking();
        if (filter.From is { } start)
        {
            var fromHour = QualityCountChanges.HourOf(start);
            hours = hours.Where(h => h.Hour >= fromHour);
        }
        if (filter.To is { } end)
        {
            var toHour = QualityCountChanges.HourOf(end);
            hours = hours.Where(h => h.Hour < toHour);
        }
        return hours;
    }

    /// <summary>
    /// What the quality page's filters can be set to: the categories, associates and suggesting models of the station
    /// decisions in the filter's dates (its other filters do not narrow them). Each associate has the name
    /// they last graded under: the filter is by id, and an Entra id is a GUID nobody can type (issue 17: "the associate
    /// filter by name"); categories and versions are matched exactly, so they are chosen as they were stored.
    /// </summary>
    public async Task<QualityChoices> ChoicesAsync(QualityFilter filter, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await HoursOf(db, Normalize(filter)).GroupBy(h => new { h.ActorId, h.ActorName, h.Category, h.ModelVersion })
            .Select(g => new { g.Key.ActorId, g.Key.ActorName, g.Key.Category, g.Key.ModelVersion, Last = g.Max(h => h.Hour) })
            .ToListAsync(cancellationToken);
        var latest = rows.GroupBy(n => n.ActorId).Select(g => g.MaxBy(n => n.Last)!).ToList();
        // Two people of the same name are told apart by their ids.
        var shared = latest.GroupBy(n => n.ActorName, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var associates = latest
            .Select(n => new AssociateChoice(n.ActorId, shared.Contains(n.ActorName) ? $"{n.ActorName} ({n.ActorId})" : n.ActorName))
            .OrderBy(c => c.Label, StringComparer.CurrentCultureIgnoreCase).ToList();
        return new QualityChoices(
            rows.Select(r => r.Category).Distinct(StringComparer.Ordinal).Order(StringComparer.CurrentCultureIgnoreCase).ToList(),
            associates,
            rows.Select(r => r.ModelVersion).Where(v => v.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// Suggestion acceptance per associate over the filter's dates (and associate, if one is chosen; category and model
    /// filters do not apply): from the daily counts when the range is whole days, else from the decisions.
    /// </summary>
    public async Task<IReadOnlyList<SuggestionAcceptance>> SuggestionAcceptanceAsync(QualityFilter filter, CancellationToken cancellationToken)
    {
        filter = Normalize(filter);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return Slice(filter with { Category = null, ModelVersion = null }) is not null
            ? await AcceptanceFromCountsAsync(db, filter, cancellationToken)
            : await AcceptanceLiveAsync(db, filter, cancellationToken);
    }

    private static async Task<IReadOnlyList<SuggestionAcceptance>> AcceptanceFromCountsAsync(GraderDb db, QualityFilter filter, CancellationToken cancellationToken)
    {
        var fromDay = filter.From is { } from ? QualityCountChanges.DayOf(from) : int.MinValue;
        var toDay = filter.To is { } to ? QualityCountChanges.DayOf(to) : int.MaxValue;
        QualityFigure[] figures = [QualityFigure.SuggestionShown, QualityFigure.SuggestionKept, QualityFigure.SuggestionBlind, QualityFigure.SuggestionBlindAgreed];
        var rows = db.QualityDailyCounts.AsNoTracking()
            .Where(c => c.Scope == QualityScope.Associate && c.Day >= fromDay && c.Day < toDay && figures.Contains(c.Figure));
        if (filter.Associate is { } associate)
        {
            rows = rows.Where(c => c.ScopeValue == associate);
        }
        var sums = await rows.GroupBy(c => new { c.ScopeValue, c.Figure }).Select(g => new { g.Key.ScopeValue, g.Key.Figure, Count = g.Sum(c => c.Count) })
            .ToListAsync(cancellationToken);
        var ids = sums.Select(s => s.ScopeValue).Distinct().ToList();
        // Each associate's latest name: one index seek per associate (IX_GradeDecisions_ActorId_DecidedAt), a few ms for a site.
        var names = new Dictionary<string, string>();
        foreach (var id in ids)
        {
            names[id] = await db.GradeDecisions.AsNoTracking().Where(d => d.ActorId == id).OrderByDescending(d => d.DecidedAt)
                .Select(d => d.ActorName).FirstOrDefaultAsync(cancellationToken) ?? id;
        }
        long Sum(string id, QualityFigure figure) => sums.Where(s => s.ScopeValue == id && s.Figure == figure).Sum(s => s.Count);
        return Acceptance(ids.Select(id => (id, names.GetValueOrDefault(id) ?? id,
            Sum(id, QualityFigure.SuggestionShown), Sum(id, QualityFigure.SuggestionKept), Sum(id, QualityFigure.SuggestionBlind), Sum(id, QualityFigure.SuggestionBlindAgreed))));
    }

    private static async Task<IReadOnlyList<SuggestionAcceptance>> AcceptanceLiveAsync(GraderDb db, QualityFilter filter, CancellationToken cancellationToken)
    {
        var decisions = Latest(db, Decisions(db, filter with { Category = null }, null).Where(d => d.Kind != DecisionKind.Review && d.SuggestedGrade != null));
        if (filter.Associate is { } associate)
        {
            decisions = decisions.Where(d => d.ActorId == associate);
        }
        // Counted by the database: grouped sums, never the rows themselves.
        var rows = await decisions
            .GroupBy(d => new { d.ActorId, d.ActorName })
            .Select(g => new
            {
                g.Key.ActorId,
                g.Key.ActorName,
                Shown = g.LongCount(d => !d.Blind),
                Accepted = g.LongCount(d => !d.Blind && d.Grade == d.SuggestedGrade),
                Blind = g.LongCount(d => d.Blind),
                BlindAgreed = g.LongCount(d => d.Blind && d.Grade == d.SuggestedGrade),
            })
            .ToListAsync(cancellationToken);
        return Acceptance(rows.Select(r => (r.ActorId, r.ActorName, r.Shown, r.Accepted, r.Blind, r.BlindAgreed)));
    }

    /// <summary>Station decisions no correction replaced: each item's latest station grade, what grader-vs-model and
    /// acceptance count (as the daily counts do: <see cref="QualityCountChanges.RemoveReplacedStation"/>).</summary>
    private static IQueryable<GradeDecision> Latest(GraderDb db, IQueryable<GradeDecision> station) =>
        station.Where(d => !db.GradeDecisions.Any(c => c.SupersedesId == d.Id && c.Kind == DecisionKind.Correction));

    private static List<SuggestionAcceptance> Acceptance(IEnumerable<(string Id, string Name, long Shown, long Kept, long Blind, long BlindAgreed)> rows) =>
        rows.Where(r => r.Shown + r.Blind > 0)
            .OrderBy(r => r.Name, StringComparer.Ordinal).ThenBy(r => r.Id, StringComparer.Ordinal)
            .Select(r => new SuggestionAcceptance(r.Id, r.Name, r.Shown, r.Kept, r.Shown == 0 ? 0 : Math.Round((double)r.Kept / r.Shown, 4),
                r.Blind, r.BlindAgreed, r.Blind == 0 ? 0 : Math.Round((double)r.BlindAgreed / r.Blind, 4)))
            .ToList();

    private sealed record FigureCell(QualityFigure Figure, int A, int B, long Count, double Sum);

    /// <summary>The newest associate-hours kept for the throughput chart.</summary>
    private const int ThroughputRows = 5000;

    /// <summary>The report by grouped queries over the decisions themselves: any filter, exact, slower on long ranges.</summary>
    public async Task<QualityReport> LiveReportAsync(QualityFilter filter, CancellationToken cancellationToken)
    {
        filter = Normalize(filter);
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
        // Calibration is the model's: the model filter picks its predictions, not the pairs (below).
        var calibrationPairs = pairs.Select(p => new Pair { GradedId = p.GradedId, FinalId = p.FinalId });
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

        // Review tasks carry no model: the decisions review rates are a share of are every model's (see CountsReportAsync).
        var ofEveryModel = Decisions(db, filter, null).Where(d => d.Kind != DecisionKind.Review);
        if (!string.IsNullOrWhiteSpace(filter.Associate))
        {
            ofEveryModel = ofEveryModel.Where(d => d.ActorId == filter.Associate);
        }
        var station = string.IsNullOrWhiteSpace(filter.ModelVersion) ? ofEveryModel : ofEveryModel.Where(d => d.SuggestedByModel == filter.ModelVersion);
        var graderModelCells = await (
                from d in Latest(db, station).Where(d => d.SuggestedGrade != null && !d.GradePrefilled) // as the counts (definition 4)
                join item in db.ReturnItems on d.ReturnItemId equals item.Id
                select new { d.Grade, Suggested = d.SuggestedGrade!.Value, Value = (double)item.UnitValue })
            .GroupBy(d => new { A = d.Grade, B = d.Suggested })
            .Select(g => new Cell(g.Key.A, g.Key.B, g.LongCount(), g.Sum(d => d.Value))).ToListAsync(cancellationToken);

        var (calibration, ece) = await CalibrationAsync(db, filter, calibrationPairs, cancellationToken);
        var throughput = await station
            .GroupBy(d => new { d.ActorName, d.DecidedAt.Date, d.DecidedAt.Hour })
            .Select(g => new { g.Key.ActorName, g.Key.Date, g.Key.Hour, Count = g.LongCount() })
            // The newest hours matter most: keep the last 5,000 associate-hours, then put them back in time order.
            .OrderByDescending(r => r.Date).ThenByDescending(r => r.Hour).ThenBy(r => r.ActorName)
            .Take(ThroughputRows)
            .ToListAsync(cancellationToken);
        throughput.Reverse();

        var damageAgreement = await DamageAgreementAsync(db, pairs.Select(p => new Pair { GradedId = p.GradedId, FinalId = p.FinalId }), cancellationToken);
        var reviewRates = await ReviewRatesAsync(db, filter, await ofEveryModel.LongCountAsync(cancellationToken), cancellationToken);

        return new QualityReport(
            filter, Live,
            GradeAgreement.Compute("Model vs final label", modelCells.Select(c => (c.A, c.B, c.Count, c.Value))),
            GradeAgreement.Compute("Grader vs final label", graderCells.Select(c => (c.A, c.B, c.Count, c.Value))),
            GradeAgreement.Compute("Grader vs model", graderModelCells.Select(c => (c.A, c.B, c.Count, c.Value))),
            calibration, ece,
            throughput.Select(r => new ThroughputRow(r.ActorName, DateTime.SpecifyKind(r.Date.AddHours(r.Hour), DateTimeKind.Utc), r.Count)).ToList(),
            await QueueAsync(db, cancellationToken),
            damageAgreement, reviewRates, await AcceptanceLiveAsync(db, filter, cancellationToken));
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
                            group p.GradedId by r.Type into g select new { Type = g.Key, Count = g.Distinct().LongCount() }).ToDictionaryAsync(x => x.Type, x => x.Count, cancellationToken);
        var final = await (from p in pairs join r in regions on p.FinalId equals r.DecisionId
                           group p.FinalId by r.Type into g select new { Type = g.Key, Count = g.Distinct().LongCount() }).ToDictionaryAsync(x => x.Type, x => x.Count, cancellationToken);
        var both = await (from p in pairs
                          join g in regions on p.GradedId equals g.DecisionId
                          join f in regions on p.FinalId equals f.DecisionId
                          where g.Type == f.Type
                          group p.FinalId by g.Type into t select new { Type = t.Key, Count = t.Distinct().LongCount() }).ToDictionaryAsync(x => x.Type, x => x.Count, cancellationToken);
        return GradeAgreement.DamageAgreementFrom(grader, final, both);
    }

    /// <summary>Tasks grouped by their reason list (few distinct lists), then counted per reason here.</summary>
    private static async Task<IReadOnlyList<ReviewRate>> ReviewRatesAsync(GraderDb db, QualityFilter filter, long stationDecisions, CancellationToken cancellationToken)
    {
        var tasks = db.ReviewTasks.AsNoTracking();
        if (filter.From is { } start)
        {
            tasks = tasks.Where(t => t.CreatedAt >= start);
        }
        if (filter.To is { } end)
        {
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
        return ReviewRatesFrom(await CountByReasonAsync(tasks, cancellationToken), stationDecisions);
    }

    private static List<ReviewRate> ReviewRatesFrom(IReadOnlyDictionary<string, long> tasksByReason, long stationDecisions) =>
        tasksByReason.Select(pair =>
            new ReviewRate(pair.Key, pair.Value, stationDecisions == 0 ? 0 : Math.Round((double)pair.Value / stationDecisions, 4))).ToList();

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
        if (filter.From is { } start)
        {
            query = query.Where(d => d.DecidedAt >= start);
        }
        if (filter.To is { } end)
        {
            query = query.Where(d => d.DecidedAt < end);
        }
        if (!string.IsNullOrWhiteSpace(filter.Category))
        {
            query = query.Where(d => d.ReturnItem!.Category == filter.Category);
        }
        return query;
    }

    /// <summary>
    /// Reliability of the model's confidence on the photos supervisors saw (predictions made before the review): ten bins
    /// of confidence, accuracy against the final label. The associate filter keeps the items that associate graded.
    /// </summary>
    private static async Task<(IReadOnlyList<CalibrationBin>, double)> CalibrationAsync(GraderDb db, QualityFilter filter, IQueryable<Pair> reviewed, CancellationToken cancellationToken)
    {
        var finals = !string.IsNullOrWhiteSpace(filter.Associate)
            ? from pair in reviewed join final in db.GradeDecisions on pair.FinalId equals final.Id select final
            : Decisions(db, filter, DecisionKind.Review);
        var predictions = db.Predictions.AsNoTracking().Where(p => !p.IsShadow);
        if (!string.IsNullOrWhiteSpace(filter.ModelVersion))
        {
            predictions = predictions.Where(p => p.ModelVersion == filter.ModelVersion);
        }
        var rows = await (
                from p in predictions
                join final in finals on p.Photo!.ReturnItemId equals final.ReturnItemId
                where p.CreatedAt <= final.DecidedAt && !(p.Photo!.SetAsideAt <= final.DecidedAt) // not a photo set aside by then (ADR 0052)
                // Floor, not a cast: casting a float to an integer truncates in SQLite and SQL Server but rounds in
                // PostgreSQL, and the bins must be BinOf's on every provider.
                group new { p.Confidence, Correct = p.Grade == final.Grade ? 1 : 0 } by (int)Math.Floor(p.Confidence * 10) into bin
                select new GradeAgreement.BinCounts(bin.Key, bin.LongCount(), bin.Sum(x => x.Confidence), bin.Sum(x => (long)x.Correct)))
            .ToListAsync(cancellationToken);
        return GradeAgreement.CalibrationFrom(rows);
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
        // The mean age needs the creation times' mean. No translation of DateTime.Ticks (or of a date difference) is
        // common to SQLite, PostgreSQL and SQL Server, so the open tasks' times are streamed and averaged here: one
        // timestamp per open task, constant memory.
        var meanTicks = 0.0;
        if (count != 0)
        {
            var (sum, n) = (0.0, 0L);
            await foreach (var created in open.Select(t => t.CreatedAt).AsAsyncEnumerable().WithCancellation(cancellationToken))
            {
                (sum, n) = (sum + (now - created).Ticks, n + 1);
            }
            meanTicks = n == 0 ? 0 : now.Ticks - sum / n;
        }
        return new QueueStats(count, oldest is null ? 0 : Math.Round((now - oldest.Value).TotalHours, 2),
            count == 0 ? 0 : Math.Round((now.Ticks - meanTicks) / TimeSpan.TicksPerHour, 2), overTarget, byReason);
    }

    private sealed record Cell(Grade A, Grade B, long Count, double Value);
}
