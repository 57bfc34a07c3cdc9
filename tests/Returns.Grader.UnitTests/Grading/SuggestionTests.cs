using System.Text.Json;
using Microsoft.Extensions.Options;
using Returns.Grader.Web.Components.Grading;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;
using Returns.Grader.Web.Features.Grading;
using Returns.Grader.Web.Features.Models;

namespace Returns.Grader.UnitTests.Grading;

public sealed class SuggestionTests
{
    private static readonly Rubric V1 = new RubricCatalog(Options.Create(new RubricOptions())).Active;

    private static Prediction Photo(Guid photoId, double[] probabilities, params (string Type, double Score)[] damage) => new()
    {
        PhotoId = photoId,
        ModelVersion = "m@1",
        Grade = (Grade)Array.IndexOf(probabilities, probabilities.Max()),
        Confidence = probabilities.Max(),
        ProbabilitiesJson = JsonSerializer.Serialize(Enum.GetNames<Grade>().Zip(probabilities).ToDictionary(p => p.First, p => p.Second)),
        RegionsJson = JsonSerializer.Serialize(damage.Select(d => new { type = d.Type, score = d.Score, box = new[] { 1, 2, 3, 4 } })),
    };

    [Fact]
    public void ItemProbabilities_AreTheAverageOfItsPhotos()
    {
        var suggestion = Suggestions.ForItem(
        [
            Photo(Guid.NewGuid(), [0.8, 0.2, 0, 0, 0]),
            Photo(Guid.NewGuid(), [0.2, 0.6, 0.2, 0, 0]),
        ], V1, 0.6)!;

        Assert.Equal(0.5, suggestion.Probabilities["LikeNew"], 9);
        Assert.Equal(0.4, suggestion.Probabilities["VeryGood"], 9);
        Assert.Equal(Grade.LikeNew, suggestion.Grade);
        Assert.Equal(0.5, suggestion.Confidence, 9);
    }

    [Fact]
    public void ConfidentDamageThatScoresWorse_Wins_AndIsCountedOncePerPhotoNotPerView()
    {
        var front = Guid.NewGuid();
        var back = Guid.NewGuid();
        var suggestion = Suggestions.ForItem(
        [
            // The same dent seen from two sides: counted once (2 points = Good), not twice (4 = Acceptable).
            Photo(front, [0.7, 0.3, 0, 0, 0], ("dent", 0.9)),
            Photo(back, [0.7, 0.3, 0, 0, 0], ("dent", 0.8), ("scratch", 0.3)),
        ], V1, 0.6)!;

        Assert.Equal(Grade.Good, suggestion.Grade);
        Assert.Equal(Grade.Good, suggestion.RubricGradeOfDamage);
        Assert.True(suggestion.FromDamage);
        Assert.Equal(3, suggestion.Damage.Count); // every region is still shown, with its photo
        Assert.Equal(2, suggestion.Damage.Count(d => d.PhotoId == back));
    }

    [Fact]
    public void AGradeTheDamageOverruledTheGradeHeadWith_CarriesTheGradeHeadsConfidenceInIt_NotTheBoxScore()
    {
        // The grade head: Like new 0.7, Very good 0.25, Good 0.05; a dent scored 0.99 implies Good. The confidence is the
        // grade head's for Good (0.05), on the scale the prefill cut-off and the review route's threshold are fitted on:
        // the box's 0.99 passed both, and on real photos most such prefills were wrong (ADR 0054).
        var suggestion = Suggestions.ForItem([Photo(Guid.NewGuid(), [0.7, 0.25, 0.05, 0, 0], ("dent", 0.99))], V1, 0.98)!;

        Assert.Equal(Grade.Good, suggestion.Grade);
        Assert.Equal(0.05, suggestion.Confidence, 9);
        Assert.True(suggestion.FromDamage);
        Assert.Equal([DamageType.Dent], suggestion.SureDamage);   // said in words at the station, where its box is not drawn
        Assert.Equal(PrefillVerdict.LowConfidence, PrefillPolicy.Decide(suggestion with { Familiar = true }, 0.78));
        Assert.Contains(ReviewReason.LowConfidence, ReviewRouter.Reasons(
            new GradeDecision { Grade = Grade.Good, Disposition = Disposition.ResellUsed, RubricVersion = "v1", ActorId = "a", ActorName = "A", ActorRole = "Grader" },
            10m, suggestion, new ReviewOptions()));
        // not part of the API's answer: grade, confidence and rubricGradeOfDamage say it
        Assert.DoesNotContain("fromDamage", JsonSerializer.Serialize(suggestion, JsonSerializerOptions.Web));

        // the grade head's own grade, or damage that scores no worse: not from the damage
        var headsOwn = Suggestions.ForItem([Photo(Guid.NewGuid(), [0.1, 0.1, 0.8, 0, 0], ("dent", 0.99))], V1, 0.98)!;
        Assert.Equal((Grade.Good, 0.8, false), (headsOwn.Grade, headsOwn.Confidence, headsOwn.FromDamage));
    }

    [Fact]
    public void UnsureDamage_DoesNotOverrideTheGradeHead()
    {
        var suggestion = Suggestions.ForItem([Photo(Guid.NewGuid(), [0.1, 0.9, 0, 0, 0], ("missing_part", 0.4))], V1, 0.6)!;

        Assert.Equal(Grade.VeryGood, suggestion.Grade);
        Assert.Equal(Grade.LikeNew, suggestion.RubricGradeOfDamage);
    }

    [Fact]
    public void WithoutAnItemRule_TheGradeHeadDecides_AndTheDamagesGradeIsStillReported()
    {
        // A model whose manifest has no item_rule (its regions did not make item grades better on validation).
        var suggestion = Suggestions.ForItem([Photo(Guid.NewGuid(), [0.1, 0.9, 0, 0, 0], ("missing_part", 0.99))], V1, null)!;

        Assert.Equal(Grade.VeryGood, suggestion.Grade);
        Assert.Equal(0.9, suggestion.Confidence, 9);
        Assert.Equal(Grade.Unsellable, suggestion.RubricGradeOfDamage);
    }

    [Fact]
    public void NoPredictions_NoSuggestion() => Assert.Null(Suggestions.ForItem([], V1, 0.6));

    [Fact]
    public void RegionEdit_RecordsWhatTheAssociateDid()
    {
        var photo = Guid.NewGuid();
        var kept = RegionEdit.From(new SuggestedDamage("dent", 0.9, [10, 10, 50, 50], photo))!;
        var accepted = RegionEdit.From(new SuggestedDamage("dent", 0.9, [10, 10, 50, 50], photo))!;
        var retyped = RegionEdit.From(new SuggestedDamage("dent", 0.9, [10, 10, 50, 50], photo))!;
        var moved = RegionEdit.From(new SuggestedDamage("dent", 0.9, [10, 10, 50, 50], photo))!;
        var rejected = RegionEdit.From(new SuggestedDamage("dent", 0.9, [10, 10, 50, 50], photo))!;
        var drawn = RegionEdit.Drawn(photo, DamageType.Tear, [0, 0, 5, 5]);

        RegionKeys.Apply("accept", 0, [accepted], accepted, new RegionHistory()); // A: a person says it is damage
        retyped.Type = DamageType.Crack;
        moved.Box = [12, 10, 50, 50];
        rejected.Deleted = true;

        Assert.Equal(
            [RegionSource.Model, RegionSource.Accepted, RegionSource.Edited, RegionSource.Edited, RegionSource.Deleted, RegionSource.Added],
            new[] { kept, accepted, retyped, moved, rejected, drawn }.Select(r => r.Source));
        Assert.Equal("deleted", rejected.ToInput().Source);
        // Left as suggested, a box is the model's, not "accepted" as A makes it (exploratory pass: Enter stored both alike).
        Assert.Equal("model", kept.ToInput().Source);
        Assert.Equal("accepted", accepted.ToInput().Source);
        Assert.Null(RegionEdit.From(new SuggestedDamage("smudge", 0.9, [1, 1, 1, 1], photo)));
    }

    [Fact]
    public void GradersBoxes_BecomeRegionsASupervisorCanKeepOrReject_UnboxedMarksDoNot()
    {
        var photo = Guid.NewGuid();
        var boxed = RegionEdit.FromDecision(new Web.Features.Decisions.DamageSummary(photo, DamageType.Dent, [1, 2, 3, 4], RegionSource.Added))!;
        var unboxed = RegionEdit.FromDecision(new Web.Features.Decisions.DamageSummary(null, DamageType.Stain, null, RegionSource.Added));
        var rejected = RegionEdit.FromDecision(new Web.Features.Decisions.DamageSummary(photo, DamageType.Dent, [1, 2, 3, 4], RegionSource.Deleted));

        Assert.Equal(RegionSource.Accepted, boxed.Source);
        Assert.Equal(RegionSource.Added, boxed.GradersSource);
        boxed.Deleted = true;
        Assert.Equal(RegionSource.Deleted, boxed.Source);
        Assert.Null(unboxed);
        // A box the grader rejected comes rejected, for the supervisor to restore: restored, it is the model's box kept.
        Assert.NotNull(rejected);
        Assert.Equal(RegionSource.Deleted, rejected.Source);
        Assert.Equal("the model's, rejected by the grader as not damage", rejected.Note);
        RegionKeys.Toggle([rejected], rejected, new RegionHistory()); // the page's Restore
        Assert.Equal(RegionSource.Accepted, rejected.Source);
        Assert.Equal("the model's, rejected by the grader as not damage; kept as damage by you", rejected.Note);
        // A box the grader left as the model suggested stays the model's until the supervisor accepts it.
        var untouched = RegionEdit.FromDecision(new Web.Features.Decisions.DamageSummary(photo, DamageType.Dent, [1, 2, 3, 4], RegionSource.Model))!;
        Assert.Equal(RegionSource.Model, untouched.Source);
        Assert.Equal("the model's, left as suggested by the grader", untouched.Note);
    }

    [Theory]
    [InlineData(true, true, true)]
    [InlineData(true, false, false)]
    [InlineData(true, null, null)]
    [InlineData(false, null, false)]
    [InlineData(null, null, null)]
    public void AnItemIsFamiliar_OnlyWhenAllItsPhotosAre(bool? first, bool? second, bool? expected)
    {
        var a = Photo(Guid.NewGuid(), [0.9, 0.1, 0, 0, 0]);
        var b = Photo(Guid.NewGuid(), [0.9, 0.1, 0, 0, 0]);
        (a.Familiar, a.FamiliarityScore) = (first, first is null ? null : first.Value ? -0.2 : -4.0);
        (b.Familiar, b.FamiliarityScore) = (second, second is null ? null : second.Value ? -0.3 : -5.0);

        var suggestion = Suggestions.ForItem([a, b], V1, 0.6)!;

        Assert.Equal(expected, suggestion.Familiar);
        // The item's score is its least familiar photo's (null when no photo has one).
        Assert.Equal(new[] { a.FamiliarityScore, b.FamiliarityScore }.Min(), suggestion.FamiliarityScore);
        Assert.Equal(first, Suggestions.ForPhoto(a).Familiar);
        Assert.Equal(a.FamiliarityScore, Suggestions.ForPhoto(a).FamiliarityScore);
    }
}
