using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Review;

namespace Returns.Grader.UnitTests.Review;

/// <summary>
/// What a claim that lost a race says (multi-node pass, 2026-12-07): it said "another supervisor" whoever won, an admin or
/// the same person's other request; and a name is said only while that person's claim runs (diff review).
/// </summary>
public sealed class ClaimRaceWordsTests
{
    private static readonly DateTime Now = new(2026, 12, 7, 10, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void TheWinnersName_IsSaid_WhileTheirClaimRuns()
    {
        var task = new ReviewDesk.ClaimState(ReviewStatus.Open, "admin-1", "Ada Admin", Now.AddMinutes(15));
        Assert.Equal("Ada Admin claimed this item at the same moment.", ReviewDesk.ChangedMeanwhile(task, "sup-1", Now).Words);
        Assert.Equal("Claimed by someone else", ReviewDesk.ChangedMeanwhile(task, "sup-1", Now).Title); // was "Changed meanwhile" (regression pass)
    }

    [Fact]
    public void OnesOwnOtherRequest_IsSaidToBeOnesOwn()
    {
        var task = new ReviewDesk.ClaimState(ReviewStatus.Open, "sup-1", "Sam Supervisor", Now.AddMinutes(15));
        Assert.StartsWith("Another of your own requests", ReviewDesk.ChangedMeanwhile(task, "sup-1", Now).Words, StringComparison.Ordinal);
        Assert.Equal("Claimed by your other request", ReviewDesk.ChangedMeanwhile(task, "sup-1", Now).Title);
    }

    [Theory]
    [InlineData(-1)]  // a lapsed claim keeps its name on the task: it did not win anything
    [InlineData(null)] // let go (released), or changed by a correction
    public void NobodyIsNamed_WithoutARunningClaim(int? leaseMinutesFromNow)
    {
        var task = new ReviewDesk.ClaimState(ReviewStatus.Open, "sup-2", "Old Claimer", leaseMinutesFromNow is { } m ? Now.AddMinutes(m) : null);
        var words = ReviewDesk.ChangedMeanwhile(task, "sup-1", Now).Words;
        Assert.DoesNotContain("Old Claimer", words, StringComparison.Ordinal);
        Assert.Equal("This review changed at the same moment (graded again, or let go): claim it again.", words);
        Assert.Equal("Changed meanwhile", ReviewDesk.ChangedMeanwhile(task, "sup-1", Now).Title);
    }

    [Fact]
    public void ADecidedOrUnreadableTask_IsSaidAsSuch()
    {
        Assert.Equal("This review was decided at the same moment.",
            ReviewDesk.ChangedMeanwhile(new ReviewDesk.ClaimState(ReviewStatus.Decided, "sup-2", "Bo", Now.AddMinutes(5)), "sup-1", Now).Words);
        Assert.StartsWith("This review changed at the same moment", ReviewDesk.ChangedMeanwhile(null, "sup-1", Now).Words, StringComparison.Ordinal);
        Assert.Equal("Already decided", ReviewDesk.ChangedMeanwhile(new ReviewDesk.ClaimState(ReviewStatus.Decided, "sup-2", "Bo", Now.AddMinutes(5)), "sup-1", Now).Title);
    }
}
