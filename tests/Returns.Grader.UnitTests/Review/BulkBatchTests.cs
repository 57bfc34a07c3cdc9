using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Review;

namespace Returns.Grader.UnitTests.Review;

/// <summary>
/// What one bulk approval takes from the listed queue, the same list the confirmation names (exploratory pass,
/// 2026-12-06: the page asked "approve the 112" and approved 100, and counted rows the supervisor's page did not show).
/// </summary>
public sealed class BulkBatchTests
{
    private static QueueEntry Entry(int n, bool agrees, string gradedBy = "test:grader") => new(
        Guid.NewGuid(), Guid.NewGuid(), $"LP-{n:0000}", "item", "Toys", 900m, [ReviewReason.HighValue], 1000 - n,
        DateTime.UtcNow, 1.0, false, null, null, gradedBy, "Gina", agrees);

    [Fact]
    public void ABatch_IsTheFirstHundredAgreeingRowsAsListed_LeavingOutTheViewersOwnAndTheOthers()
    {
        var listed = new List<QueueEntry> { Entry(0, agrees: true, gradedBy: "test:supervisor"), Entry(1, agrees: false) };
        listed.AddRange(Enumerable.Range(2, 112).Select(n => Entry(n, agrees: true)));

        var batch = ReviewDesk.BulkBatch(listed, "test:supervisor");

        Assert.Equal(ReviewDesk.MaxBulkApproval, batch.Count);
        Assert.Equal(listed.Skip(2).Take(100).Select(e => e.ReturnId), batch.Select(e => e.ReturnId)); // in the list's order
        Assert.Equal(12, ReviewDesk.BulkBatch(listed.Skip(102), "test:supervisor").Count); // the rest: the next approval's
    }
}
