using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;
using Returns.Grader.Web.Features.Models;

namespace Returns.Grader.UnitTests.Review;

public sealed class ReviewRouterTests
{
    private static readonly ReviewOptions Options = new() { AuditShare = 0 };

    private static GradeDecision Decision(Grade grade, bool contradicts = false, bool flagged = false) => new()
    {
        Id = Guid.NewGuid(), Grade = grade, ContradictsRubric = contradicts, FlaggedForReview = flagged,
        RubricVersion = "v1", ActorId = "a", ActorName = "A", ActorRole = "Grader",
    };

    private static Suggestion Suggested(Grade grade, params double[] probabilities) => new(
        grade, probabilities.Max(), Enum.GetNames<Grade>().Zip(probabilities).ToDictionary(p => p.First, p => p.Second), [], "m@1");

    [Fact]
    public void SureAgreeingModel_AndAnOrdinaryItem_GiveNoReason() =>
        Assert.Empty(ReviewRouter.Reasons(Decision(Grade.Good), 20m, Suggested(Grade.Good, 0.05, 0.05, 0.8, 0.05, 0.05), Options));

    [Fact]
    public void UnsureModel_GivesLowConfidenceAndSmallMargin() =>
        Assert.Equal([ReviewReason.LowConfidence, ReviewReason.SmallMargin],
            ReviewRouter.Reasons(Decision(Grade.Good), 20m, Suggested(Grade.Good, 0.1, 0.4, 0.45, 0.05, 0), Options));

    [Theory]
    [InlineData(Grade.Good, Grade.VeryGood, false)]
    [InlineData(Grade.Good, Grade.LikeNew, true)]
    [InlineData(Grade.Unsellable, Grade.Acceptable, false)]
    [InlineData(Grade.LikeNew, Grade.Unsellable, true)]
    public void GraderTwoOrMoreGradesFromTheModel_IsADisagreement(Grade grader, Grade model, bool expected)
    {
        var probabilities = new double[5];
        probabilities[(int)model] = 0.9;
        probabilities[(int)grader == (int)model ? 0 : (int)grader] += 0.1;

        var reasons = ReviewRouter.Reasons(Decision(grader), 20m, Suggested(model, probabilities), Options);

        Assert.Equal(expected, reasons.Contains(ReviewReason.DisagreesWithModel));
    }

    [Fact]
    public void RubricValueAndFlag_AreReasonsWithoutAModel() =>
        Assert.Equal([ReviewReason.ContradictsRubric, ReviewReason.HighValue, ReviewReason.Flagged],
            ReviewRouter.Reasons(Decision(Grade.LikeNew, contradicts: true, flagged: true), 500m, null, Options));

    [Fact]
    public void AuditSample_HitsAboutItsShare_AndIsRepeatable()
    {
        var ids = Enumerable.Range(0, 20_000).Select(i => new Guid(i, 7, 7, [1, 2, 3, 4, 5, 6, 7, 8])).ToList();

        var share = ids.Count(id => ReviewRouter.IsAuditSample(id, 0.05)) / (double)ids.Count;

        Assert.InRange(share, 0.045, 0.055);
        Assert.All(ids.Take(100), id => Assert.Equal(ReviewRouter.IsAuditSample(id, 0.05), ReviewRouter.IsAuditSample(id, 0.05)));
        Assert.DoesNotContain(ids, id => ReviewRouter.IsAuditSample(id, 0));
    }

    /// <summary>The audit draw is the item's: its corrections are drawn as its first grade was (each correction drew again).</summary>
    [Fact]
    public void AuditSample_IsDrawnPerItem_NotAgainForEachCorrection()
    {
        var half = new ReviewOptions { AuditShare = 0.5 };
        var items = Enumerable.Range(0, 40).Select(_ => Guid.NewGuid()).ToList();

        foreach (var item in items)
        {
            var audited = Enumerable.Range(0, 10).Select(_ =>
            {
                var decision = Decision(Grade.Good);
                decision.ReturnItemId = item;
                return ReviewRouter.Reasons(decision, 20m, null, half).Contains(ReviewReason.AuditSample);
            }).Distinct().ToList();
            Assert.Equal([ReviewRouter.IsAuditSample(item, 0.5)], audited);
        }
    }

    [Fact]
    public void BlindDraw_HitsItsShare_IndependentlyOfTheAuditDraw()
    {
        var ids = Enumerable.Range(0, 20_000).Select(i => new Guid(i, 9, 9, [8, 7, 6, 5, 4, 3, 2, 1])).ToList();

        var blind = ids.Where(id => ReviewRouter.IsBlind(id, 0.10)).ToList();
        var both = blind.Count(id => ReviewRouter.IsAuditSample(id, 0.10));

        Assert.InRange(blind.Count / 20_000.0, 0.09, 0.11);
        Assert.InRange(both / (double)blind.Count, 0.07, 0.13); // about 10 % of the blind ones, as for any item
    }

    [Fact]
    public void Priority_RanksCostlyReasonsAndValueFirst()
    {
        var flaggedCheap = ReviewRouter.Priority([ReviewReason.Flagged], 10m);
        var auditCheap = ReviewRouter.Priority([ReviewReason.AuditSample], 10m);
        var auditDear = ReviewRouter.Priority([ReviewReason.AuditSample], 10_000m);

        Assert.True(flaggedCheap > auditCheap);
        Assert.True(auditDear > auditCheap);
    }

    [Fact]
    public void UnfamiliarSuggestion_IsAReason_OnlyWhenRoutingItIsOn()
    {
        var unfamiliar = Suggested(Grade.Good, 0.05, 0.05, 0.8, 0.05, 0.05) with { Familiar = false, FamiliarityScore = -3.0 };
        var on = new ReviewOptions { AuditShare = 0, RouteUnfamiliar = true };

        Assert.Empty(ReviewRouter.Reasons(Decision(Grade.Good), 20m, unfamiliar, Options)); // off by default
        Assert.Equal([ReviewReason.Unfamiliar], ReviewRouter.Reasons(Decision(Grade.Good), 20m, unfamiliar, on));
        Assert.Empty(ReviewRouter.Reasons(Decision(Grade.Good), 20m, unfamiliar with { Familiar = true }, on));
        Assert.Empty(ReviewRouter.Reasons(Decision(Grade.Good), 20m, unfamiliar with { Familiar = null, FamiliarityScore = null }, on)); // unknown is not unfamiliar
    }
}
