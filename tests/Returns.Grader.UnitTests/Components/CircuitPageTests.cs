using Returns.Grader.Web.Components;

namespace Returns.Grader.UnitTests.Components;

/// <summary>The token pages pass to their reads is cancelled when the page goes (its circuit disposes it), not before.</summary>
public sealed class CircuitPageTests : BunitTestBase
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

    private sealed class ProbePage : CircuitPage
    {
        public CancellationToken Token => CircuitGone;
    }
}
