using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Returns.Grader.Vision.Inference;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Grading;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Models;

/// <summary>A damage region the model suggests: type, score, box [x, y, w, h] in the stored photo's pixels.</summary>
public sealed record SuggestedDamage(string Type, double Score, int[] Box, Guid? PhotoId = null);

/// <summary>
/// What the model suggests for a photo or, combined over its photos, for an item. <see cref="Confidence"/>: the grade
/// head's probability of <see cref="Grade"/> (an item's: the mean over its photos), also when the damage's rubric grade
/// overruled the grade head (<see cref="FromDamage"/>; ADR 0054). <see cref="Familiar"/>: whether the
/// model has seen photos like these (an item only when all its photos are familiar); <see cref="FamiliarityScore"/>:
/// the score behind it (an item's is its least familiar photo's). Both null when the model cannot tell.
/// <see cref="UnseenPhotos"/>: how many of the item's photos the suggestion's model has not predicted (photos kept under
/// an earlier model, before a promote or rollback, or in manual mode): the suggestion speaks for the others only.
/// </summary>
public sealed record Suggestion(
    Grade Grade, double Confidence, IReadOnlyDictionary<string, double> Probabilities, IReadOnlyList<SuggestedDamage> Damage,
    string ModelVersion, Grade? RubricGradeOfDamage = null, bool? Familiar = null, double? FamiliarityScore = null,
    int UnseenPhotos = 0)
{
    /// <summary>The grade is the rubric grade of the damage the model is sure of, worse than its grade head's: the grade
    /// head itself gives it <see cref="Confidence"/>, which is then low. Pages say where the grade came from.</summary>
    [JsonIgnore]
    public bool FromDamage => RubricGradeOfDamage == Grade && Probabilities.Count > 0
        && Probabilities.MaxBy(p => p.Value).Key != Grade.ToString();

    /// <summary>The damage types the model is sure of (the regions that may overrule the grade head), each once: what a
    /// grade <see cref="FromDamage"/> came from, said in words where its boxes are not put on the photos.</summary>
    [JsonIgnore]
    public IReadOnlyList<DamageType> SureDamage { get; init; } = [];
}

public static class Suggestions
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    public static Prediction ToPrediction(Guid photoId, PhotoSuggestion suggestion, string modelVersion, bool isShadow, double latencyMs, DateTime now) => new()
    {
        Id = Guid.CreateVersion7(),
        PhotoId = photoId,
        ModelVersion = modelVersion,
        IsShadow = isShadow,
        Grade = Enum.Parse<Grade>(suggestion.Grade),
        Confidence = suggestion.Confidence,
        ProbabilitiesJson = JsonSerializer.Serialize(suggestion.Probabilities, Json),
        RegionsJson = JsonSerializer.Serialize(suggestion.Regions.Select(r => new SuggestedDamage(r.Type, r.Score, [r.X, r.Y, r.Width, r.Height])), Json),
        FamiliarityScore = suggestion.FamiliarityScore,
        Familiar = suggestion.Familiar,
        ItemShare = suggestion.ItemShare,
        LatencyMs = latencyMs,
        CreatedAt = now,
    };

    /// <summary>The regions a prediction stored (<see cref="Prediction.RegionsJson"/>), without their photo.</summary>
    public static IReadOnlyList<SuggestedDamage> RegionsOf(string regionsJson) =>
        JsonSerializer.Deserialize<List<SuggestedDamage>>(regionsJson, Json) ?? [];

    public static Suggestion ForPhoto(Prediction prediction) => new(
        prediction.Grade, prediction.Confidence, Probabilities(prediction),
        RegionsOf(prediction.RegionsJson).Select(d => d with { PhotoId = prediction.PhotoId }).ToList(),
        prediction.ModelVersion, Familiar: prediction.Familiar, FamiliarityScore: prediction.FamiliarityScore);

    /// <summary>
    /// The item's suggestion from its photos' predictions (one model version): grade probabilities averaged over the
    /// photos; and the rubric grade implied by the damage detected with at least <paramref name="confidentDamageScore"/>
    /// (each type counted as often as it was found on the photo that shows most of it, so one dent seen from two sides
    /// counts once). When that implied grade is worse than the grade head's, it wins: missing a defect costs more than a
    /// cautious grade. A null score turns the overruling off (the implied grade is still reported): a model whose regions
    /// are not precise enough would make most suggestions worse (models/training/item_rule.py chooses the score).
    /// The confidence is the grade head's probability of the suggested grade either way. It was the overruling box's
    /// score (at least the confident-damage score, 0.98 for 4.1.x), which passed every prefill cut-off and the review
    /// route's low-confidence threshold, both fitted on the grade head's probabilities: on the real-photo check 30 of 72
    /// prefilled items were overruled ones, 25 of them wrong (ADR 0054, station_prefill_study.py).
    /// </summary>
    public static Suggestion? ForItem(IReadOnlyList<Prediction> predictions, Rubric rubric, double? confidentDamageScore)
    {
        ArgumentNullException.ThrowIfNull(rubric);
        if (predictions.Count == 0)
        {
            return null;
        }
        var perPhoto = predictions.Select(ForPhoto).ToList();
        var probabilities = Enum.GetNames<Grade>().ToDictionary(
            grade => grade, grade => perPhoto.Average(s => s.Probabilities.GetValueOrDefault(grade)));
        var modelGrade = Enum.Parse<Grade>(probabilities.MaxBy(p => p.Value).Key);
        var damage = perPhoto.SelectMany(s => s.Damage).ToList();

        var confident = perPhoto.SelectMany((s, i) => s.Damage.Where(d => d.Score >= (confidentDamageScore ?? 0.0))
                .Select(d => (predictions[i].PhotoId, Type: WireName<DamageType>.TryParse(d.Type, out var t) ? t : (DamageType?)null)))
            .Where(x => x.Type is not null).ToList();
        var impliedGrade = rubric.GradeFor(Rubric.Counted(confident.Select(x => (x.PhotoId, x.Type!.Value)), []));

        var suggestion = confidentDamageScore is not null && impliedGrade > modelGrade
            ? new Suggestion(impliedGrade, probabilities[impliedGrade.ToString()], probabilities, damage, predictions[0].ModelVersion, impliedGrade)
            : new Suggestion(modelGrade, probabilities[modelGrade.ToString()], probabilities, damage, predictions[0].ModelVersion, impliedGrade);
        return suggestion with
        {
            Familiar = AllFamiliar(perPhoto), FamiliarityScore = perPhoto.Min(s => s.FamiliarityScore),
            SureDamage = confidentDamageScore is null ? [] : [.. confident.Select(x => x.Type!.Value).Distinct().Order()],
        };
    }

    /// <summary>An item is familiar only when every photo is: one unfamiliar photo makes it unfamiliar; otherwise one unknown makes it unknown.</summary>
    public static bool? AllFamiliar(IEnumerable<Suggestion> photos) =>
        photos.Select(s => s.Familiar).Aggregate((bool?)true, (all, one) => all == false || one == false ? false : all is null || one is null ? null : true);

    /// <summary>The suggestion graders see for an item: its photos' newest non-shadow model predictions, combined; photos set aside are left out.</summary>
    public static async Task<Suggestion?> LoadForItemAsync(GraderDb db, Guid itemId, Rubric rubric, ModelRegistry models, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(models);
        var predictions = await db.Predictions.AsNoTracking()
            .Where(p => !p.IsShadow && p.Photo!.ReturnItemId == itemId && p.Photo.SetAsideReason == null) // set aside: counts for nothing
            .OrderByDescending(p => p.CreatedAt).ToListAsync(cancellationToken);
        if (predictions.Count == 0)
        {
            return null;
        }
        var newestModel = predictions[0].ModelVersion;
        var newest = predictions.Where(p => p.ModelVersion == newestModel).GroupBy(p => p.PhotoId).Select(g => g.First()).ToList();
        var suggestion = ForItem(newest, rubric, await models.ConfidentDamageScoreForAsync(newestModel, cancellationToken))!;
        // Photos the newest model never saw are counted, not silently left out: after a rollback, a damaged item's older
        // photo (seen by the model switched out) fell out of its suggestion, and a new clean photo alone prefilled
        // "Like new" (models pass, 2026-12-05).
        var seen = newest.Select(p => p.PhotoId).ToList();
        var unseen = await db.Photos.CountAsync(p => p.ReturnItemId == itemId && p.SetAsideReason == null && !seen.Contains(p.Id), cancellationToken);
        return suggestion with { UnseenPhotos = unseen };
    }

    private static Dictionary<string, double> Probabilities(Prediction prediction) =>
        JsonSerializer.Deserialize<Dictionary<string, double>>(prediction.ProbabilitiesJson, Json)!;
}
