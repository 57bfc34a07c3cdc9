namespace Returns.Grader.Web.Infrastructure;

/// <summary>
/// How long a grade (stamped with the time, <c>DecidedAt</c>, when the ledger builds it) may take from its stamp to its
/// commit. An export's snapshot is a moment, and the export starts only once every grade stamped before that moment
/// has had time to commit (<c>Grader:Exports:SnapshotSettle</c>): a grade still on its way when an export began was left
/// out of that package and put into a rerun of the same export (ADR 0048). So the bound is enforced, not hoped for:
/// a grade that reaches its commit later than this is rolled back and answered "the database was busy, send it again".
/// </summary>
public static class RowStamps
{
    public static readonly TimeSpan LatestCommitAfterStamp = TimeSpan.FromSeconds(20);

    /// <summary>Throws <see cref="CommitTooLateException"/> when <paramref name="stamp"/> is already too old to commit under.</summary>
    public static void ThrowIfTooLateToCommit(DateTime stamp, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        var age = clock.GetUtcNow().UtcDateTime - stamp;
        if (age > LatestCommitAfterStamp)
        {
            throw new CommitTooLateException(age);
        }
    }
}

/// <summary>
/// A save reached its commit more than <see cref="RowStamps.LatestCommitAfterStamp"/> after its stamp (a database too
/// busy to take it in time) and was rolled back: nothing of it was kept, so it is answered as a busy database is.
/// </summary>
public sealed class CommitTooLateException(TimeSpan age)
    : Exception($"The save reached its commit {age.TotalSeconds:0.0} s after its time stamp (at most {RowStamps.LatestCommitAfterStamp.TotalSeconds:0} s); it was rolled back.");
