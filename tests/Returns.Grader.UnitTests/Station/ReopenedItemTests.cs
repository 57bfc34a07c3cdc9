using Bunit;
using MudBlazor;
using MudBlazor.Extensions;
using Microsoft.EntityFrameworkCore;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;

namespace Returns.Grader.UnitTests.Station;

/// <summary>
/// Issue 17 item 6: reopening a graded item showed its damage only as chips; the boxes drawn on the photos were gone,
/// and saving a correction dropped them. The station now reopens them as boxes, as they were saved.
/// </summary>
public sealed class ReopenedItemTests : StationPageTestBase
{
    [Fact]
    public async Task GradedItem_ReopensWithItsSavedBoxes_AndACorrectionKeepsThem()
    {
        var (itemId, plate, photoId) = await ItemWithPhotoAsync();
        await Service<DecisionLedger>().DecideAsync(itemId, new GradeRequest("Good", "resell_used",
        [
            new DamageInput(photoId, "dent", [100, 80, 120, 90], "added"),   // drawn by the associate
            new DamageInput(photoId, "tear", [300, 200, 50, 40], "deleted"), // a suggestion they said is not damage
            new DamageInput(null, "stain", null, null),                      // marked without a box
        ], null), Grader, CancellationToken.None);

        var station = await OpenAtTheStationAsync(plate);

        // The boxes: on the photo and in the list, as saved; the unboxed mark stays a chip.
        var dent = station.Find("svg.region-overlay rect[data-region-type=dent]");
        Assert.Equal(("100", "80", "120", "90"), (dent.GetAttribute("x"), dent.GetAttribute("y"), dent.GetAttribute("width"), dent.GetAttribute("height")));
        Assert.Empty(station.FindAll("svg.region-overlay rect[data-region-type=tear]")); // rejected: listed, not drawn
        var rows = station.FindAll("[data-testid=regions] .region-row");
        // The saved regions come back in no particular order.
        Assert.Equal<string?>(["added", "deleted"], rows.Select(r => r.GetAttribute("data-region-source")).Order());
        Assert.Contains("Restore", rows.Single(r => r.GetAttribute("data-region-source") == "deleted").TextContent, StringComparison.Ordinal);
        Assert.NotEmpty(station.FindAll("[data-remove-damage=stain]"));
        Assert.Empty(station.FindAll("[data-remove-damage=dent]")); // not counted twice as a chip as well
        // The history says the rejected suggestion was not damage, apart from the damage that counts.
        var history = station.Find("[data-testid=history-damage]").TextContent;
        Assert.EndsWith("; not damage: Tear", history, StringComparison.Ordinal);
        Assert.Equal(["Dent", "Stain"], history[..history.IndexOf(';', StringComparison.Ordinal)].Split(", ").Order());

        // Saved again with a note added (a correction): the boxes are still there, with what the associate did to each.
        await station.Find("input[data-testid=notes]").InputAsync("Dent on the lid");
        station.Find("button[data-testid=submit]").Click();
        station.WaitForAssertion(() => Assert.Empty(station.FindAll("[data-testid=item]")));
        var factory = Service<IDbContextFactory<GraderDb>>();
        await using var db = await factory.CreateDbContextAsync();
        var item = await db.ReturnItems.SingleAsync(i => i.Id == itemId);
        var regions = (await db.DamageRegions.Where(r => r.DecisionId == item.CurrentDecisionId).ToListAsync()).OrderBy(r => r.Type).ToList();
        Assert.Equal(2, await db.GradeDecisions.CountAsync(d => d.ReturnItemId == itemId));
        Assert.Equal(
            [
                (DamageType.Stain, (Guid?)null, (int?)null, RegionSource.Added),
                (DamageType.Dent, (Guid?)photoId, (int?)100, RegionSource.Added),
                (DamageType.Tear, (Guid?)photoId, (int?)300, RegionSource.Deleted),
            ],
            regions.Select(r => (r.Type, r.PhotoId, r.X, r.Source)).ToArray());
    }

    /// <summary>
    /// Exploratory pass, 2026-12-06: a reopened item's disposition stayed what the saved grade had when the grade was
    /// corrected, so Unsellable / recycle (both filled in) corrected to Like new was stored as Like new / recycle, a
    /// disposition nobody chose for that grade. A disposition nobody chose follows the corrected grade, as on a first
    /// grade; one a person chose stays.
    /// </summary>
    [Fact]
    public async Task ACorrectedGrade_BringsTheSiteRulesDisposition_UnlessAPersonChoseTheSavedOne()
    {
        var (plate, item) = await CreateItemAsync();
        await Service<DecisionLedger>().DecideAsync(item.Id, new GradeRequest("Unsellable", "recycle", [], null,
            GradePrefilled: true, DispositionPrefilled: true), Grader, CancellationToken.None);
        var station = await OpenAtTheStationAsync(plate);
        Disposition? Shown() => station.FindComponent<MudSelect<Disposition?>>().Instance.GetState(x => x.Value);
        string Said() => station.Markup; // the disposition field's helper text is the only place these words appear
        Assert.Equal(Disposition.Recycle, Shown());
        Assert.Contains("As in the current grade", Said(), StringComparison.Ordinal);

        await station.InvokeAsync(() => station.Instance.OnGradeKey(1));
        Assert.Equal(Disposition.Restock, Shown());   // the site's rule for Like new
        Assert.Contains("Follows the grade (site rules)", Said(), StringComparison.Ordinal);
        station.Find("button[data-testid=submit]").Click();
        station.WaitForAssertion(() => Assert.Empty(station.FindAll("[data-testid=item]")));
        await using (var db = await Service<IDbContextFactory<GraderDb>>().CreateDbContextAsync())
        {
            var current = await db.GradeDecisions.SingleAsync(d => d.Id == db.ReturnItems.Single(i => i.Id == item.Id).CurrentDecisionId);
            Assert.Equal((Grade.LikeNew, Disposition.Restock, false, true), (current.Grade, current.Disposition, current.GradePrefilled, current.DispositionPrefilled));
        }

        // A disposition a person chose (donate): a grade key never changes it (issue 17); kept, it stays theirs
        // (ADR 0049; PrefilledDecisionTests).
        await Service<DecisionLedger>().DecideAsync(item.Id, new GradeRequest("LikeNew", "donate", [], null), Grader, CancellationToken.None);
        station = await OpenAtTheStationAsync(plate);
        Assert.Equal(Disposition.Donate, Shown());
        await station.InvokeAsync(() => station.Instance.OnGradeKey(2));
        Assert.Equal(Disposition.Donate, Shown());
        Assert.Contains("As in the current grade", Said(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A correction replaces the whole grade: the note, the reason for going against the rubric and the request for a
    /// supervisor were not shown again on reopening, so correcting the grade dropped them from the item's label.
    /// </summary>
    [Fact]
    public async Task GradedItem_ReopensWithItsNoteReasonAndFlag_AndACorrectionKeepsThem()
    {
        var (plate, item) = await CreateItemAsync();
        // Like new with a crack goes against the rubric, so it needs a reason.
        await Service<DecisionLedger>().DecideAsync(item.Id, new GradeRequest("LikeNew", "restock", [new DamageInput(null, "crack", null, null)],
            "Scuff on the base", ContradictionReason: "Crack is on the box only", FlagForReview: true), Grader, CancellationToken.None);

        var station = await OpenAtTheStationAsync(plate);

        Assert.Equal("Scuff on the base", station.Find("input[data-testid=notes]").GetAttribute("value"));
        Assert.Equal("Crack is on the box only", station.Find("input[data-testid=contradiction-reason]").GetAttribute("value"));
        Assert.Contains(station.FindAll("input[type=checkbox]"), box => box.HasAttribute("checked") && box.ParentElement!.ParentElement!.TextContent.Contains("Ask a supervisor", StringComparison.Ordinal));

        station.Find("[data-grade=VeryGood]").Click();
        station.Find("button[data-testid=submit]").Click();
        station.WaitForAssertion(() => Assert.Empty(station.FindAll("[data-testid=item]")));
        await using var db = await Service<IDbContextFactory<GraderDb>>().CreateDbContextAsync();
        var current = await db.GradeDecisions.SingleAsync(d => d.Id == db.ReturnItems.Single(i => i.Id == item.Id).CurrentDecisionId);
        Assert.Equal((Grade.VeryGood, DecisionKind.Correction, "Scuff on the base", "Crack is on the box only", true),
            (current.Grade, current.Kind, current.Notes, current.ContradictionReason, current.FlaggedForReview));
    }

    [Fact]
    public async Task GradedItem_ReopenedAndSavedUnchanged_SavesNothing_AndSaysSo()
    {
        var (plate, item) = await CreateItemAsync();
        await Service<DecisionLedger>().DecideAsync(item.Id, new GradeRequest("LikeNew", "restock", [], null), Grader, CancellationToken.None);
        var station = await OpenAtTheStationAsync(plate);

        // Enter on the reopened item, nothing touched: a second decision would be a "correction" that corrects nothing,
        // counted as another item on the quality page, and the associate's own grade shown as replaced.
        await station.InvokeAsync(() => station.Instance.OnSubmitKey());

        station.WaitForAssertion(() => Assert.Empty(station.FindAll("[data-testid=item]")));
        Assert.Contains($"{plate} was not changed, so nothing was saved: it stays Like new.", station.Find("[data-testid=station-message]").TextContent);
        await using var db = await Service<IDbContextFactory<GraderDb>>().CreateDbContextAsync();
        Assert.Equal(1, await db.GradeDecisions.CountAsync(d => d.ReturnItemId == item.Id));
    }

    [Fact]
    public async Task ItemWithASupervisorsFinalGrade_OffersNoSave_AndSaysWhoCanChangeIt()
    {
        var (itemId, plate) = await FinalItemAsync();
        var station = await OpenAtTheStationAsync(plate);

        Assert.Contains("final: only a supervisor can change it", station.Find("[data-testid=current-grade]").TextContent);
        station.Find("[data-grade=LikeNew]").Click();
        Assert.True(station.Find("button[data-testid=submit]").HasAttribute("disabled"));
        Assert.Contains("ask a supervisor", station.Find("[data-testid=submit-blocker]").TextContent);
        await station.InvokeAsync(() => station.Instance.OnSubmitKey());
        await using var db = await Service<IDbContextFactory<GraderDb>>().CreateDbContextAsync();
        Assert.Equal(2, await db.GradeDecisions.CountAsync(d => d.ReturnItemId == itemId));
    }

    /// <summary>
    /// A supervisor makes the grade final while the associate has the item open: the save is refused, and the choices
    /// that can never be saved no longer make every later scan ask about them (exploratory pass, 2026-12-05).
    /// </summary>
    [Fact]
    public async Task MadeFinalWhileOpen_TheRefusedChoicesDoNotHoldUpTheNextScan()
    {
        var (plate, item) = await CreateItemAsync();
        var (next, _) = await CreateItemAsync();
        await Service<DecisionLedger>().DecideAsync(item.Id, new GradeRequest("LikeNew", "restock", [], null, FlagForReview: true), Grader, CancellationToken.None);
        var station = await OpenAtTheStationAsync(plate);
        station.Find("[data-grade=LikeNew]").Click();
        await station.Find("input[data-testid=notes]").InputAsync("Scuff on the base");
        var supervisor = new Web.Auth.Actor("test:supervisor", "Sam Supervisor", Web.Auth.Roles.Supervisor);
        await using (var db = await Service<IDbContextFactory<GraderDb>>().CreateDbContextAsync())
        {
            var task = await db.ReviewTasks.SingleAsync(t => t.ReturnItemId == item.Id);
            await Service<Web.Features.Review.ReviewDesk>().ClaimAsync(task.Id, supervisor, CancellationToken.None);
            await Service<DecisionLedger>().DecideReviewAsync(task.Id, new ReviewDecisionRequest("LikeNew", "restock", [], null, "approved"), supervisor, CancellationToken.None);
        }

        station.Find("button[data-testid=submit]").Click();
        station.WaitForAssertion(() => Assert.Contains("final grade", station.Find("[data-testid=station-message]").TextContent));
        await ScanAsync(station, next);

        station.WaitForAssertion(() => Assert.Equal(next, station.Find("[data-testid=item-return-id]").TextContent));
        Assert.Empty(station.FindAll("[data-testid=unsaved-guard]"));
    }

    /// <summary>
    /// Choices made on an item opened final are not "unsaved": nothing at the station can save them, and every next scan
    /// asked "has choices you have not saved … drop them?" (exploratory pass, 2026-12-06).
    /// </summary>
    [Fact]
    public async Task ChoicesOnAnItemOpenedFinal_DoNotHoldUpTheNextScan()
    {
        var (_, plate) = await FinalItemAsync();
        var (next, _) = await CreateItemAsync();
        var station = await OpenAtTheStationAsync(plate);
        await station.InvokeAsync(() => station.Instance.OnGradeKey(4));
        await station.Find("input[data-testid=notes]").InputAsync("Tear on the lid");

        await ScanAsync(station, next);

        station.WaitForAssertion(() => Assert.Equal(next, station.Find("[data-testid=item-return-id]").TextContent));
        Assert.Empty(station.FindAll("[data-testid=unsaved-guard]"));
    }

    /// <summary>An item graded at a station, then given a final grade by a supervisor through the review queue.</summary>
    private async Task<(Guid ItemId, string Plate)> FinalItemAsync()
    {
        var (plate, item) = await CreateItemAsync();
        await Service<DecisionLedger>().DecideAsync(item.Id, new GradeRequest("LikeNew", "restock", [], null, FlagForReview: true), Grader, CancellationToken.None);
        var supervisor = new Web.Auth.Actor("test:supervisor", "Sam Supervisor", Web.Auth.Roles.Supervisor);
        var desk = Service<Web.Features.Review.ReviewDesk>();
        await using (var db = await Service<IDbContextFactory<GraderDb>>().CreateDbContextAsync())
        {
            var task = await db.ReviewTasks.SingleAsync(t => t.ReturnItemId == item.Id);
            await desk.ClaimAsync(task.Id, supervisor, CancellationToken.None);
            await Service<DecisionLedger>().DecideReviewAsync(task.Id, new ReviewDecisionRequest("VeryGood", "resell_used", [new DamageInput(null, "scratch", null, null)], null, "missed_damage"), supervisor, CancellationToken.None);
        }
        return (item.Id, plate);
    }
}
