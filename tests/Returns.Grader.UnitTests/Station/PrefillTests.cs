using Bunit;
using Microsoft.Extensions.Options;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Grading;
using Returns.Grader.Web.Features.Models;
using Returns.Grader.Web.Features.Station;

namespace Returns.Grader.UnitTests.Station;

/// <summary>The station prefills only what the model is familiar with and sure about, and a prefill never outlives its suggestion.</summary>
public sealed class PrefillTests : BunitTestBase
{
    private static readonly Rubric V1 = new RubricCatalog(Options.Create(new RubricOptions())).Active;

    private static Suggestion Suggested(Grade grade, double confidence, bool? familiar) => new(
        grade, confidence, new Dictionary<string, double> { [grade.ToString()] = confidence }, [], "m@1",
        Familiar: familiar, FamiliarityScore: familiar is null ? null : familiar.Value ? -0.2 : -12.0);

    [Theory]
    [InlineData(true, 0.95, 0.72, PrefillVerdict.Prefill)]
    [InlineData(true, 0.72, 0.72, PrefillVerdict.Prefill)]      // at the floor is enough
    [InlineData(null, 0.95, 0.72, PrefillVerdict.Prefill)]      // unknown familiarity (older models): confidence decides
    [InlineData(true, 0.40, null, PrefillVerdict.Prefill)]      // no floor in the manifest: any confidence
    [InlineData(false, 1.00, 0.72, PrefillVerdict.Unfamiliar)]  // sure, but of a photo unlike its training photos
    [InlineData(false, 0.50, 0.72, PrefillVerdict.Unfamiliar)]
    [InlineData(true, 0.7199, 0.72, PrefillVerdict.LowConfidence)]
    [InlineData(null, 0.50, 0.72, PrefillVerdict.LowConfidence)]
    public void PrefillOnlyWhatTheModelIsFamiliarWithAndSureAbout(bool? familiar, double confidence, double? minConfidence, PrefillVerdict expected) =>
        Assert.Equal(expected, PrefillPolicy.Decide(Suggested(Grade.Good, confidence, familiar), minConfidence));

    [Theory]
    [InlineData(true, 0.96, PrefillVerdict.PhotoQuality)]   // a blank white photo: familiar and sure, and worth nothing
    [InlineData(null, 0.99, PrefillVerdict.PhotoQuality)]
    [InlineData(true, 0.40, PrefillVerdict.PhotoQuality)]
    [InlineData(false, 0.96, PrefillVerdict.Unfamiliar)]    // the stronger reason is the one said
    public void APhotoWithAQualityWarning_StopsThePrefill(bool? familiar, double confidence, PrefillVerdict expected)
    {
        Assert.Equal(expected, PrefillPolicy.Decide(Suggested(Grade.LikeNew, confidence, familiar), 0.72, photoWarned: true));
        Assert.True(PrefillPolicy.IsGuess(expected));
    }

    [Fact]
    public void ASuggestionItsModelMadeWithoutSomeOfThePhotos_IsNotPrefilled()
    {
        var partial = Suggested(Grade.LikeNew, 0.98, familiar: true) with { UnseenPhotos = 1 };
        Assert.Equal(PrefillVerdict.Partial, PrefillPolicy.Decide(partial, 0.72));
        Assert.Equal(PrefillVerdict.Prefill, PrefillPolicy.Decide(partial with { UnseenPhotos = 0 }, 0.72));
        Assert.Equal(PrefillVerdict.Unfamiliar, PrefillPolicy.Decide(partial with { Familiar = false }, 0.72));
        Assert.Equal(PrefillPolicy.PartialText, PrefillPolicy.Notice(PrefillVerdict.Partial));
    }

    [Fact]
    public void ASuggestionFromAModelNotActive_IsAGuess_WhateverElseHolds()
    {
        var sure = Suggested(Grade.LikeNew, 0.99, familiar: true);
        Assert.Equal(PrefillVerdict.NotActive, PrefillPolicy.Decide(sure, 0.72, fromActiveModel: false));
        Assert.Equal(PrefillVerdict.NotActive, PrefillPolicy.Decide(sure with { Familiar = false }, 0.72, photoWarned: true, fromActiveModel: false));
        Assert.True(PrefillPolicy.IsGuess(PrefillVerdict.NotActive));
        Assert.Equal(PrefillPolicy.NotActiveText, PrefillPolicy.Notice(PrefillVerdict.NotActive));
    }

    [Fact]
    public void SuggestionSummary_ForAPhotoWithAWarning_SaysNothingIsFilledIn_AndShowsNoFigure()
    {
        var summary = Render<SuggestionSummary>(p => p
            .Add(c => c.Suggestion, Suggested(Grade.LikeNew, 0.96, familiar: true))
            .Add(c => c.MinConfidence, 0.72)
            .Add(c => c.PhotoWarned, true));

        Assert.Equal("The model's guess: Like new · m@1", summary.Find("[data-testid=suggestion]").TextContent.Trim());
        Assert.Equal(PrefillPolicy.PhotoQualityText, summary.Find("[data-testid=suggestion-notice]").TextContent.Trim());
    }

    [Fact]
    public void APrefilledField_FollowsTheCurrentSuggestion_UntilTheAssociateSetsIt()
    {
        var grade = new PrefilledField<Grade>();

        grade.Suggest(Grade.LikeNew);      // first photo
        Assert.Equal(Grade.LikeNew, grade.Value);
        Assert.True(grade.Prefilled);

        grade.Suggest(Grade.Acceptable);   // a later photo changes the suggestion: no stale grade
        Assert.Equal(Grade.Acceptable, grade.Value);

        grade.Suggest(null);               // the suggestion may no longer prefill (an unfamiliar photo)
        Assert.Null(grade.Value);
        Assert.False(grade.Prefilled);

        grade.Choose(Grade.Good);          // the associate picks
        grade.Suggest(Grade.Unsellable);
        Assert.Equal(Grade.Good, grade.Value);
        Assert.True(grade.Chosen);
        Assert.False(grade.Prefilled);

        grade.Clear();                     // next item
        Assert.Equal((null, false), (grade.Value, grade.Chosen));
    }

    [Fact]
    public void ClearingAChoice_LetsTheSuggestionFollowAgain()
    {
        var disposition = new PrefilledField<Disposition>();
        disposition.Choose(Disposition.Donate);

        disposition.Choose(null);
        disposition.Suggest(Disposition.Restock);

        Assert.Equal(Disposition.Restock, disposition.Value);
        Assert.True(disposition.Prefilled);
    }

    [Fact]
    public void SuggestionSummary_ForAnUnfamiliarPhoto_SaysToGradeItYourself()
    {
        var summary = Render<SuggestionSummary>(p => p
            .Add(c => c.Suggestion, Suggested(Grade.Unsellable, 1.0, familiar: false))
            .Add(c => c.MinConfidence, 0.72));

        var suggestion = summary.Find("[data-testid=suggestion]").TextContent;
        Assert.Contains("The model's guess: Unsellable", suggestion);
        Assert.DoesNotContain("%", suggestion); // no confidence figure for a photo unlike the training photos
        var notice = summary.Find("[data-testid=suggestion-notice]");
        Assert.Contains("The model has not seen photos like this — grade it yourself.", notice.TextContent);
        Assert.Equal("Unfamiliar", notice.GetAttribute("data-verdict"));
    }

    [Fact]
    public void SuggestionSummary_ForAnUnsureModel_SaysSo_AndForAFamiliarSureOneSaysNothingMore()
    {
        var unsure = Render<SuggestionSummary>(p => p.Add(c => c.Suggestion, Suggested(Grade.Good, 0.5, familiar: true)).Add(c => c.MinConfidence, 0.72));
        var sure = Render<SuggestionSummary>(p => p.Add(c => c.Suggestion, Suggested(Grade.Good, 0.9, familiar: true)).Add(c => c.MinConfidence, 0.72));

        Assert.Contains("not sure", unsure.Find("[data-testid=suggestion-notice]").TextContent);
        Assert.Contains("Suggested: Good (50 %)", unsure.Find("[data-testid=suggestion]").TextContent.Replace('\u00a0', ' '));
        Assert.Empty(sure.FindAll("[data-testid=suggestion-notice]"));
        Assert.Contains("Suggested: Good (90 %)", sure.Find("[data-testid=suggestion]").TextContent.Replace('\u00a0', ' '));
    }

    [Fact]
    public void SuggestionSummary_ForAGradeFromTheDamage_SaysWhereItCameFrom_AndThatItIsNotSure()
    {
        // The grade head: Like new 0.9; a dent it is sure of scores Good under the rubric, which the grade head gives 0.04.
        var fromDamage = new Suggestion(Grade.Good, 0.04,
            new Dictionary<string, double> { ["LikeNew"] = 0.9, ["VeryGood"] = 0.06, ["Good"] = 0.04 }, [], "m@1",
            RubricGradeOfDamage: Grade.Good, Familiar: true, FamiliarityScore: -0.2) { SureDamage = [DamageType.Dent] };
        var summary = Render<SuggestionSummary>(p => p.Add(c => c.Suggestion, fromDamage).Add(c => c.MinConfidence, 0.72));

        Assert.Equal("Suggested: Good, from the damage it is sure of: dent (its grade head: 4 %) · m@1",
            summary.Find("[data-testid=suggestion]").TextContent.Trim().Replace('\u00a0', ' '));
        Assert.Equal(PrefillPolicy.LowConfidenceText, summary.Find("[data-testid=suggestion-notice]").TextContent.Trim());
    }

    [Fact]
    public void RubricVerdict_NeverCallsAPreselectedGradeTheAssociatesChoice()
    {
        var verdict = Render<RubricVerdict>(p => p
            .Add(c => c.Rubric, V1)
            .Add(c => c.Chosen, Grade.LikeNew)
            .Add(c => c.ChosenByAssociate, false)
            .Add(c => c.Damage, [DamageType.MissingPart]));

        var warning = verdict.Find("[data-testid=contradiction]").TextContent;
        Assert.DoesNotContain("You chose", warning);
        Assert.Contains("preselected grade", warning);
        Assert.Contains("Unsellable", warning);
    }
}
