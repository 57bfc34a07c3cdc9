using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Grading;
using System.ComponentModel.DataAnnotations;

namespace Returns.Grader.UnitTests.Grading;

public sealed class DispositionSuggesterTests
{
    private static readonly DispositionOptions Rules = new()
    {
        Fallback = "liquidate",
        Rules =
        [
            new DispositionRule { Grades = ["LikeNew"], Disposition = "restock" },
            new DispositionRule { Grades = ["Unsellable"], Categories = ["Electronics"], Disposition = "recycle" },
            new DispositionRule { Grades = ["Unsellable"], Disposition = "donate" },
        ],
    };

    [Theory]
    [InlineData(Grade.LikeNew, "Kitchen", Disposition.Restock)]
    [InlineData(Grade.Unsellable, "electronics", Disposition.Recycle)]
    [InlineData(Grade.Unsellable, "Apparel", Disposition.Donate)]
    [InlineData(Grade.Good, "Kitchen", Disposition.Liquidate)]
    public void FirstMatchingRuleWins_ElseTheFallback(Grade grade, string category, Disposition expected) =>
        Assert.Equal(expected, DispositionSuggester.Suggest(Rules, grade, category));

    /// <summary>A rule is matched as the start's check reads it: "LikeNew " and " Kitchen" passed the check and matched nothing.</summary>
    [Fact]
    public void ARuleWithSpacesAroundItsNames_MatchesAsItWasChecked()
    {
        var spaced = new DispositionOptions { Rules = [new DispositionRule { Grades = ["LikeNew "], Categories = [" Kitchen"], Disposition = "donate" }] };

        Assert.Empty(spaced.Validate(new ValidationContext(spaced)));
        Assert.Equal(Disposition.Donate, DispositionSuggester.Suggest(spaced, Grade.LikeNew, "kitchen"));
    }

    [Fact]
    public void UnknownDispositionOrGradeInARule_FailsValidationNamingTheKey()
    {
        var options = new DispositionOptions { Rules = [new DispositionRule { Grades = ["Shiny"], Disposition = "sell" }] };

        var errors = options.Validate(new ValidationContext(options)).Select(e => e.ErrorMessage).ToList();

        Assert.Contains(errors, e => e!.Contains("Rules:0:Disposition", StringComparison.Ordinal));
        Assert.Contains(errors, e => e!.Contains("Rules:0:Grades", StringComparison.Ordinal));
    }
}
