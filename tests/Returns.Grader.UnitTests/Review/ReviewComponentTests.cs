using Bunit;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Quality;
using Returns.Grader.Web.Features.Review;

namespace Returns.Grader.UnitTests.Review;

public sealed class ReviewComponentTests : BunitTestBase
{
    private static QueueEntry Entry(string plate, double priority, bool overTarget, string? claimedBy = null, params ReviewReason[] reasons) =>
        new(Guid.NewGuid(), Guid.NewGuid(), plate, "Kettle", "Kitchen", 650m, reasons, priority, DateTime.UtcNow, 9.5, overTarget, claimedBy, null, "local:ana");

    [Fact]
    public void QueueTable_ShowsEachTaskWithItsReasonsAgeAndClaim_AndClaimingReportsTheTask()
    {
        QueueEntry? claimed = null;
        var urgent = Entry("LP-1", 7.8, overTarget: true, "Gus", ReviewReason.Flagged, ReviewReason.HighValue);
        var routine = Entry("LP-2", 1.2, overTarget: false, null, ReviewReason.AuditSample);
        var table = Render<QueueTable>(p => p
            .Add(c => c.Entries, [urgent, routine])
            .Add(c => c.OnClaim, e => claimed = e));

        var rows = table.FindAll("tbody tr");
        Assert.Equal(2, rows.Count);
        Assert.Contains("LP-1", rows[0].TextContent);
        Assert.Equal("Flagged, HighValue", rows[0].QuerySelector("[data-testid=reasons]")!.TextContent);
        Assert.Contains("over-target", rows[0].QuerySelector("[data-testid=age]")!.ClassName);
        Assert.DoesNotContain("over-target", rows[1].QuerySelector("[data-testid=age]")!.ClassName ?? "");
        Assert.Contains("Gus", rows[0].TextContent);

        table.Find("[data-testid=claim][data-return-id=LP-2]").Click();

        Assert.Equal(routine.TaskId, claimed?.TaskId);
    }

    [Fact]
    public void QueueTable_BeforeThePageIsLive_ClaimButtonsAreDisabled()
    {
        Renderer.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Static", isInteractive: false));

        var table = Render<QueueTable>(p => p.Add(c => c.Entries, [Entry("LP-3", 2, false)]));

        Assert.True(table.Find("[data-testid=claim]").HasAttribute("disabled"));
    }

    [Fact]
    public void QueueTable_WhenEmpty_SaysNothingWaits() =>
        Assert.Contains("Nothing waits for review.", Render<QueueTable>(p => p.Add(c => c.Entries, [])).Markup);

    [Fact]
    public void AgreementPanel_ShowsFiguresAndTheConfusionMatrix()
    {
        long[][] counts = [[3, 1, 0, 0, 0], [0, 2, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 1]];
        var agreement = new Agreement("Grader vs final label", counts, 8, 0.875, 0.125, 0.93, 1, 0, 15);

        var panel = Render<AgreementPanel>(p => p.Add(c => c.Agreement, agreement));

        Assert.Contains("Grader vs final label", panel.Markup);
        Assert.Contains("8 items", panel.Markup);
        Assert.Contains("QWK 0.930", panel.Markup);
        Assert.Equal("3", panel.Find("[data-cell='0-0']").TextContent);
        Assert.Equal("1", panel.Find("[data-cell='0-1']").TextContent);
        Assert.Contains("diagonal", panel.Find("[data-cell='4-4']").ClassName);
        Assert.Contains("background", panel.Find("[data-cell='0-0']").GetAttribute("style"));
        Assert.True(string.IsNullOrEmpty(panel.Find("[data-cell='3-3']").GetAttribute("style")));
    }
}
