using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Grading;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Models;

/// <summary>One model's figures in a comparison.</summary>
public sealed record ModelFigures(
    string ModelVersion, Agreement VsLabel, IReadOnlyList<CalibrationBin> Calibration, double ExpectedCalibrationError,
    IReadOnlyList<DamageAgreement> DamageAgreement, double? MeanDamageAgreement);

/// <summary>
/// Two models on the same photos against the human label: only photos both models predicted count, so the figures are
/// comparable. <see cref="Labels"/>: <c>final</c> (supervisor-decided items), <c>blind</c> (graded without a suggestion) or
/// <c>all</c> (every item's current label).
/// A grade the station prefilled and nobody changed is not a label people gave: it is the active model's own answer, and
/// would score the model that made it at 100 %; those photos are left out and counted in <see cref="PrefilledLeftOut"/>.
/// </summary>
public sealed record ModelComparisonReport(string Labels, long Photos, long Items, ModelFigures Baseline, ModelFigures Candidate, bool Truncated,
    long PrefilledLeftOut = 0);

/// <summary>
/// Which labels a comparison scores the models against. <see cref="Final"/>: supervisors' decisions. <see cref="Blind"/>:
/// grades given without a suggestion shown, so no model led them. <see cref="All"/>: every item's current label, less the
/// prefilled grades nobody changed; what remains leans against the active model (the labels that confirmed it are out,
/// those that overrode it are in), as the prefilled ones leaned for it.
/// </summary>
public enum ComparisonLabels { Final, Blind, All }

/// <summary>Compares two models' predictions with the labels people gave the same items (the promotion decision's evidence).</summary>
public sealed class ModelComparison(IDbContextFactory<GraderDb> dbFactory)
{
    /// <summary>The newest photos compared at most (a shadow period is days, not years; the figures say when they were cut).</summary>
    public const int MaxPhotos = 50_000;

    public async Task<ModelComparisonReport> CompareAsync(string baseline, string candidate, ComparisonLabels labels, DateTime? from, DateTime? to, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseline);
        ArgumentException.ThrowIfNullOrWhiteSpace(candidate);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var pairs =
            from a in db.Predictions.AsNoTracking()
            where a.ModelVersion == baseline
            join b in db.Predictions on a.PhotoId equals b.PhotoId
            where b.ModelVersion == candidate
            join photo in db.Photos on a.PhotoId equals photo.Id
            join item in db.ReturnItems on photo.ReturnItemId equals item.Id
            join label in db.GradeDecisions on item.CurrentDecisionId equals label.Id
            where photo.UploadedAt <= label.DecidedAt // a label covers the photos kept before it was given
                && photo.SetAsideReason == null // and not one set aside: another item's photo under this label (ADR 0052)
            select new
            {
                a.PhotoId, item.Id, Value = (double)item.UnitValue, LabelId = label.Id, Label = label.Grade, label.Kind, label.DecidedAt, label.GradePrefilled, label.Blind,
                AGrade = a.Grade, AConfidence = a.Confidence, ARegions = a.RegionsJson, BGrade = b.Grade, BConfidence = b.Confidence, BRegions = b.RegionsJson,
                a.CreatedAt,
            };
        if (labels == ComparisonLabels.Final)
        {
            pairs = pairs.Where(p => p.Kind == DecisionKind.Review);
        }
        else if (labels == ComparisonLabels.Blind)
        {
            pairs = pairs.Where(p => p.Blind);
        }
        if (ApiTimes.AssumeUtc(from) is { } start)
        {
            pairs = pairs.Where(p => p.DecidedAt >= start);
        }
        if (ApiTimes.AssumeUtc(to) is { } end)
        {
            pairs = pairs.Where(p => p.DecidedAt < end);
        }
        // Left out, and said so: with "all current labels", prefilled grades made the active model look better than a
        // candidate that was better on the grades people chose (models pass, 2026-12-05: 37.5 % vs 25.0 %, where the
        // chosen grades alone gave 11.8 % vs 23.5 %).
        var prefilledLeftOut = await pairs.LongCountAsync(p => p.GradePrefilled, cancellationToken);
        pairs = pairs.Where(p => !p.GradePrefilled);
        var rows = await pairs.OrderByDescending(p => p.CreatedAt).Take(MaxPhotos + 1).ToListAsync(cancellationToken);
        var truncated = rows.Count > MaxPhotos;
        if (truncated)
        {
            rows.RemoveAt(rows.Count - 1);
        }
        // The label's damage per decision (deleted suggestions are not damage), with the photo each box is on, read for
        // the compared items only.
        var labelIds = rows.Select(r => r.LabelId).Distinct().ToList();
        var labelDamage = new Dictionary<Guid, List<(Guid? PhotoId, DamageType Type)>>();
        foreach (var chunk in labelIds.Chunk(500))
        {
            var ids = chunk.ToList();
            foreach (var region in await db.DamageRegions.AsNoTracking().Where(r => ids.Contains(r.DecisionId) && r.Source != RegionSource.Deleted)
                         .Select(r => new { r.DecisionId, r.PhotoId, r.Type }).ToListAsync(cancellationToken))
            {
                (labelDamage.TryGetValue(region.DecisionId, out var list) ? list : labelDamage[region.DecisionId] = []).Add((region.PhotoId, region.Type));
            }
        }
        // A photo weighs its share of its item's value in the cost figure: three photos of one item are one item's cost.
        var photosOfItem = rows.GroupBy(r => r.Id).ToDictionary(g => g.Key, g => g.Count());
        // Each photo's damage types, read once: each model's regions (JSON) and the label's on that photo.
        var types = rows.Select(r => (A: TypesIn(r.ARegions), B: TypesIn(r.BRegions),
            Truth: LabelDamageOnPhoto(labelDamage.GetValueOrDefault(r.LabelId) ?? [], r.PhotoId))).ToList();
        // The damage types the mean is taken over, the same for both models: those either model or the labels named.
        var typesNamed = types.SelectMany(t => t.A.Concat(t.B).Concat(t.Truth)).Select(t => WireName<DamageType>.Of(t)).ToHashSet();
        ModelFigures Figures(string version, Func<int, (Grade Grade, double Confidence, HashSet<DamageType> Types)> of)
        {
            var cells = rows.Select((r, i) => (of(i).Grade, r.Label, 1L, r.Value / photosOfItem[r.Id]));
            var bins = rows.Select((r, i) => (Bin: GradeAgreement.BinOf(of(i).Confidence), of(i).Confidence, Correct: of(i).Grade == r.Label))
                .GroupBy(x => x.Bin)
                .Select(g => new GradeAgreement.BinCounts(g.Key, g.LongCount(), g.Sum(x => x.Confidence), g.LongCount(x => x.Correct)));
            var (calibration, ece) = GradeAgreement.CalibrationFrom(bins);
            var said = new Dictionary<DamageType, long>();
            var labelled = new Dictionary<DamageType, long>();
            var both = new Dictionary<DamageType, long>();
            for (var i = 0; i < rows.Count; i++)
            {
                var (model, truth) = (of(i).Types, types[i].Truth);
                foreach (var type in Enum.GetValues<DamageType>())
                {
                    var (m, t) = (model.Contains(type), truth.Contains(type));
                    said[type] = said.GetValueOrDefault(type) + (m ? 1 : 0);
                    labelled[type] = labelled.GetValueOrDefault(type) + (t ? 1 : 0);
                    both[type] = both.GetValueOrDefault(type) + (m && t ? 1 : 0);
                }
            }
            var damage = GradeAgreement.DamageAgreementFrom(said, labelled, both);
            return new ModelFigures(version, GradeAgreement.Compute($"{version} vs label", cells), calibration, ece, damage,
                MeanOverTypes(damage, typesNamed));
        }
        return new ModelComparisonReport(labels.ToString().ToLowerInvariant(), rows.Count, rows.Select(r => r.Id).Distinct().LongCount(),
            Figures(baseline, i => (rows[i].AGrade, rows[i].AConfidence, types[i].A)),
            Figures(candidate, i => (rows[i].BGrade, rows[i].BConfidence, types[i].B)), truncated, prefilledLeftOut);
    }

    /// <summary>
    /// The label's damage one photo is scored against: the boxes on that photo, and damage marked without a photo (the
    /// item's, wherever it shows). It was the whole item's, so a model that found exactly the stain boxed on its photo
    /// scored 0.50 beside the item's other photo, and a box on a photo set aside counted on the photos left (exploratory
    /// pass, 2026-12-06).
    /// </summary>
    internal static HashSet<DamageType> LabelDamageOnPhoto(IEnumerable<(Guid? PhotoId, DamageType Type)> regions, Guid photoId) =>
        regions.Where(r => r.PhotoId is null || r.PhotoId == photoId).Select(r => r.Type).ToHashSet();

    /// <summary>The mean agreement over the given types (those either model or the labels named, so both models are
    /// averaged over the same ones): a type nobody named scored 1.00 and lifted the mean (the Quality page shows it as
    /// "—"). Null when there is none.</summary>
    internal static double? MeanOverTypes(IReadOnlyList<DamageAgreement> damage, IReadOnlySet<string> types) =>
        damage.Where(d => types.Contains(d.Type)).Select(d => d.Agreement).ToList() is { Count: > 0 } named ? Math.Round(named.Average(), 4) : null;

    private static HashSet<DamageType> TypesIn(string regionsJson)
    {
        var types = new HashSet<DamageType>();
        foreach (var region in JsonSerializer.Deserialize<List<SuggestedDamage>>(regionsJson, JsonSerializerOptions.Web) ?? [])
        {
            if (WireName<DamageType>.TryParse(region.Type, out var type))
            {
                types.Add(type);
            }
        }
        return types;
    }
}
