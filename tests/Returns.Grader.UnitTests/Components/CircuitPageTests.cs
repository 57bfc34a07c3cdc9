using Returns.Grader.Web.Components;

namespace Returns.Grader.UnitTests.Components;

/// <summary>The token pages pass to their reads is cancelled when the page goes (its circuit disposes it), not before.
/// On the app's services: every page can act, so every page has the sign-in sessions a write is checked against.</summary>
public sealed class CircuitPageTests : RealAppTestBase
{
    [Fact]
    public async Task CircuitGone_IsCancelledWhenThePageIsDisposed()
    {
        var page = Render<ProbePage>();
        var token = page.Instance.Token;
        Assert.False(token.IsCancellationRequested);

        await DisposeComponentsAsync();

        Assert.True(token.IsCancellationRequested);
    }

    [Fact]
    public void AFailedAction_IsSaidInPlainWords_AndABusyDatabaseAsBusy()
    {
        var page = Render<ProbePage>().Instance;

        Assert.Equal("Something went wrong and the export was not started. Try again; if it keeps happening, tell your administrator.",
            page.Failed(new InvalidOperationException("disk full"), "the export was not started"));
        // SQLite's BUSY (5), as EF Core wraps it: found on the inner exception
        var busy = new Microsoft.EntityFrameworkCore.DbUpdateException("save failed", new Microsoft.Data.Sqlite.SqliteException("database is locked", 5));
        Assert.Equal("The database was busy and the export was not started. Try again in a few seconds.",
            page.Failed(busy, "the export was not started"));
        // a refusal in words is said as it is (it reached the review page as "Something went wrong", logged as an error)
        Assert.Equal(new Returns.Grader.Web.Auth.SignedOutException().Message, page.Failed(new Returns.Grader.Web.Auth.SignedOutException(), "the item was not claimed"));
    }

    private sealed class ProbePage : CircuitPage
    {
        public CancellationToken Token => CircuitGone;

        public string Failed(Exception exception, string notDone) => ActionFailed(exception, notDone);
    }
}
