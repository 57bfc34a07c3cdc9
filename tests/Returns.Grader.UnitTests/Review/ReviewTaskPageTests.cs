using AngleSharp.Dom;
using System.Net.Http.Json;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Returns.Grader.TestSupport;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Items;
using Returns.Grader.Web.Features.Review;

namespace Returns.Grader.UnitTests.Review;

/// <summary>
/// The review task page through the real review desk on SQLite (issue 16, "testable pages"): what it prefills, what it
/// blocks, the lease it shows, and what a supervisor without the lease is told.
/// </summary>
public sealed class ReviewTaskPageTests() : RealAppTestBase("Test Supervisor", Roles.Supervisor, "test:supervisor",
    // A site five and a half hours from UTC (no daylight saving): a time shown in the server's zone or in UTC is caught.
    new GraderAppFactory { Settings = { ["Grader:Vision:ModelDirectory"] = "", ["Grader:TimeZone"] = SiteZone } })
{
    private static readonly Actor Supervisor = new("test:supervisor", "Test Supervisor", Roles.Supervisor);
    private const string SiteZone = "Asia/Kolkata";

    /// <summary>A high-value item graded Good with a dent by the dev grader: it waits in the queue. Returns (plate, task).</summary>
    private async Task<(string Plate, Guid TaskId)> QueuedAsync()
    {
        var grader = App.ApiClient("dev-grader");
        var plate = ApiJson.UniquePlate("RT");
        var id = (await grader.CreateItemAsync(plate, unitValue: 900m)).GetProperty("id").GetString();
        (await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "Good", disposition = "resell_used", damage = new[] { new { type = "dent" } } })).EnsureSuccessStatusCode();
        var item = await (await grader.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        return (plate, Guid.Parse(item.GetProperty("reviews")[0].GetProperty("taskId").GetString()!));
    }

    /// <summary>A queued item claimed by the supervisor, open on the review page.</summary>
    private async Task<(string Plate, IRenderedComponent<ReviewTaskPage> Page)> ClaimedOnThePageAsync()
    {
        var (plate, task) = await QueuedAsync();
        await App.Services.GetRequiredService<ReviewDesk>().ClaimAsync(task, Supervisor, CancellationToken.None);
        var page = Render<ReviewTaskPage>(p => p.Add(c => c.TaskId, task));
        page.WaitForElement("[data-testid=approve]");
        return (plate, page);
    }

    /// <summary>The page opens with the focus on its heading, where a screen reader starts: it was on the page's body after
    /// the claim (keyboard pass, 2026-12-07).</summary>
    [Fact]
    public async Task ThePage_OpensWithTheFocusOnItsHeading()
    {
        var review = JSInterop.SetupModule("/assets/js/review.js");

        var (_, page) = await ClaimedOnThePageAsync();

        page.WaitForAssertion(() => Assert.Single(review.Invocations, i => i.Identifier == "focusHeading"));
        Assert.Equal("-1", page.Find("[data-testid=review-item]").GetAttribute("tabindex"));
    }

    /// <summary>
    /// Ctrl+Enter presses the decision's button: with the grade changed and no reason it presses nothing and says why; with
    /// the grader's choices back it approves (it was 21 Tabs away; keyboard pass, 2026-12-07).
    /// </summary>
    [Fact]
    public async Task CtrlEnter_ApprovesAnUnchangedForm_AndSaysWhyWhenNeitherButtonCanBePressed()
    {
        var (plate, page) = await ClaimedOnThePageAsync(); // graded Good
        page.Find("[data-testid=review-form] [data-grade=Unsellable]").Click();

        await page.InvokeAsync(() => page.Instance.OnDecideKey());

        page.WaitForAssertion(() => Assert.Contains("Nothing saved", page.Find("[data-testid=decide-key-refused]").TextContent, StringComparison.Ordinal));
        Assert.Equal("alert", page.Find("[data-testid=decide-key-refused]").GetAttribute("role"));
        Assert.Equal(ItemStatus.InReview, (await ItemAsync(plate)).Status);

        page.Find("[data-testid=review-form] [data-grade=Good]").Click();
        await page.InvokeAsync(() => page.Instance.OnDecideKey());

        page.WaitForAssertion(() => Assert.EndsWith("/review", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal));
        var item = await ItemAsync(plate);
        Assert.Equal(ItemStatus.Final, item.Status);
        Assert.Equal("approved", item.Decisions.Single(d => d.Kind == DecisionKind.Review).ReasonCode);
    }

    /// <summary>
    /// The browser asks before the review page is left while the form holds something of the supervisor's not yet saved
    /// (review.js's beforeunload): a reload lost a changed grade, boxes and note without a word (two-node pass, 2026-12-07).
    /// Back as the grader left it, it asks no more.
    /// </summary>
    [Fact]
    public async Task LeavingThePage_AsksFirst_OnlyWhileTheFormHoldsAnUnsavedDecision()
    {
        var review = JSInterop.SetupModule("/assets/js/review.js");
        review.SetupVoid("attach", _ => true).SetVoidResult();
        review.SetupVoid("setUnsaved", _ => true).SetVoidResult();
        var (_, page) = await ClaimedOnThePageAsync(); // graded Good
        bool? Told() => review.Invocations["setUnsaved"].Select(i => (bool?)i.Arguments[0]).LastOrDefault();
        Assert.NotEqual(true, Told());

        page.Find("[data-testid=review-form] [data-grade=Unsellable]").Click();
        page.WaitForAssertion(() => Assert.True(Told()));

        page.Find("[data-testid=review-form] [data-grade=Good]").Click(); // the grader's grade again: nothing of the supervisor's
        page.WaitForAssertion(() => Assert.False(Told()));
    }

    /// <summary>
    /// The same supervisor decided the task in another tab: this tab's Approve is refused, and the page then shows the
    /// task decided and the decision in the history. It kept the form, its lease line and a history without the decision,
    /// and "Check again" re-read the task only (exploratory pass, 2026-12-06).
    /// </summary>
    [Fact]
    public async Task ADecisionFromAnotherTab_IsShownAfterThisTabsApprovalIsRefused()
    {
        var (plate, page) = await ClaimedOnThePageAsync();
        var task = page.Instance.TaskId;
        await App.Services.GetRequiredService<ReviewDesk>().DecideAsync(task,
            new Returns.Grader.Web.Features.Decisions.ReviewDecisionRequest("Acceptable", "liquidate", [new(null, "dent", null, null)], null, "wrong_grade"),
            Supervisor, CancellationToken.None);

        page.Find("[data-testid=approve]").Click();

        page.WaitForAssertion(() => Assert.Contains("already been decided", page.Markup, StringComparison.Ordinal));
        page.WaitForAssertion(() => Assert.Contains("Decided: this item's final label is set.", page.Markup, StringComparison.Ordinal));
        Assert.Empty(page.FindAll("[data-testid=approve]"));
        var rows = page.FindAll("[data-testid=review-history] tr");
        Assert.Equal(2, rows.Count);
        Assert.Contains("Acceptable", rows[0].TextContent, StringComparison.Ordinal); // newest first: the other tab's decision
        Assert.Contains("Liquidate", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Contains(plate, page.Markup, StringComparison.Ordinal);
    }

    /// <summary>
    /// "Check again" after the item was graded again while another supervisor held it: the form is filled from the new
    /// grade and the page says so. Re-reading the item alone would have left the replaced grade's choices on a form the
    /// next claim takes as seen with the new version (review of the session's diff, 2026-12-06).
    /// </summary>
    [Fact]
    public async Task CheckAgain_AfterANewGrade_FillsTheFormFromIt_AndSaysSo()
    {
        var (plate, task) = await QueuedAsync(); // graded Good with a dent
        await App.Services.GetRequiredService<ReviewDesk>().ClaimAsync(task, new Actor("test:other", "Olga Other", Roles.Supervisor), CancellationToken.None);
        var page = Render<ReviewTaskPage>(p => p.Add(c => c.TaskId, task));
        page.WaitForElement("[data-testid=check-again]");
        Assert.Equal("true", page.Find("[data-testid=review-form] [data-grade=Good]").GetAttribute("aria-checked"));
        var grader = App.ApiClient("dev-grader");
        var id = (await (await grader.GetAsync($"/api/v1/returns?returnId={plate}")).ReadJsonAsync()).GetProperty("id").GetString();
        (await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "Acceptable", disposition = "liquidate", damage = new[] { new { type = "tear" } }, contradictionReason = "looked again" })).EnsureSuccessStatusCode();

        page.Find("[data-testid=check-again]").Click();

        page.WaitForAssertion(() => Assert.Contains("has changed since the page showed it", page.Find("[data-testid=review-message]").TextContent, StringComparison.Ordinal));
        Assert.Equal("true", page.Find("[data-testid=review-form] [data-grade=Acceptable]").GetAttribute("aria-checked"));
        Assert.Equal("false", page.Find("[data-testid=review-form] [data-grade=Good]").GetAttribute("aria-checked"));
    }

    /// <summary>A high-value item with the sample photo, graded with <paramref name="grade"/> whose damage is
    /// <paramref name="boxes"/> on that photo (type, box, source; an empty box: a mark on the photo without one), claimed by
    /// the supervisor and open on the review page.</summary>
    private async Task<(string Plate, IRenderedComponent<ReviewTaskPage> Page)> ClaimedWithBoxesAsync(
        string prefix, string grade, string disposition, params (string Type, int[] Box, string Source)[] boxes)
    {
        var grader = App.ApiClient("dev-grader");
        var plate = ApiJson.UniquePlate(prefix);
        var id = (await grader.CreateItemAsync(plate, unitValue: 900m)).GetProperty("id").GetString();
        var sample = await File.ReadAllBytesAsync(Path.Combine(RepositoryPaths.Root, "models", "samples", "01-likenew.jpg"));
        var upload = await (await grader.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("s.jpg", sample, "image/jpeg")))).ReadJsonAsync();
        var photoId = upload.GetProperty("photos")[0].GetProperty("photoId").GetString();
        (await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new
        {
            grade, disposition,
            damage = boxes.Select(b => new { photoId, type = b.Type, box = b.Box.Length == 0 ? null : b.Box, source = b.Source }).ToArray(),
        })).EnsureSuccessStatusCode();
        var item = await (await grader.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        var task = Guid.Parse(item.GetProperty("reviews")[0].GetProperty("taskId").GetString()!);
        await App.Services.GetRequiredService<ReviewDesk>().ClaimAsync(task, Supervisor, CancellationToken.None);
        var page = Render<ReviewTaskPage>(p => p.Add(c => c.TaskId, task));
        page.WaitForElements("[data-region-keys]");
        return (plate, page);
    }

    /// <summary>
    /// A mark the grader put on a photo without a box (the API takes one) keeps its photo in the final grade: the page sent
    /// it as a type alone, and the final label lost which photo showed the damage (review of the session's diff, 2026-12-07).
    /// </summary>
    [Fact]
    public async Task AMarkOnAPhotoWithoutABox_KeepsItsPhoto_InTheSupervisorsGrade()
    {
        var (plate, page) = await ClaimedWithBoxesAsync("RMK", "Good", "resell_used", ("dent", [10, 10, 80, 80], "added"), ("crack", [], "added"));
        var reason = page.FindComponents<MudBlazor.MudSelect<string>>().Single(s => s.Instance.Label == "Reason code");

        page.Find("[data-testid=review-form] [data-grade=Acceptable]").Click();
        await page.InvokeAsync(() => reason.Instance.ValueChanged.InvokeAsync("wrong_grade"));
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=override]").HasAttribute("disabled")));
        page.Find("[data-testid=override]").Click();

        page.WaitForAssertion(() => Assert.EndsWith("/review", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal));
        var item = await ItemAsync(plate);
        var graded = item.Decisions.Single(d => d.Id != item.CurrentDecisionId);
        var crack = Assert.Single(item.Decisions.Single(d => d.Id == item.CurrentDecisionId).Damage, d => d.Type == DamageType.Crack);
        Assert.NotNull(crack.PhotoId);
        Assert.Equal(graded.Damage.Single(d => d.Type == DamageType.Crack).PhotoId, crack.PhotoId);
        Assert.Null(crack.Box);
    }

    /// <summary>
    /// A photo the supervisor finds is another item's is set aside from the review page (ADR 0052): the grader's box on it
    /// leaves the form, Approve (which keeps the grader's damage) is not offered, the photo is listed as set aside and can
    /// be put back, and the page claims the task again against the item's new version each time, so the decision that
    /// follows is taken (not refused as made on an older view).
    /// </summary>
    [Fact]
    public async Task APhotoSetAsideOnTheReviewPage_TakesTheGradersBoxOnItOff_AndTheTaskCanStillBeDecided()
    {
        var (plate, page) = await ClaimedWithBoxesAsync("RSA", "Good", "resell_used", ("dent", [10, 10, 80, 80], "added"));
        Assert.Single(page.FindAll("[data-region-keys]"));

        page.Find(".review-set-aside [data-testid=set-aside-photo]").Click();
        page.Find(".review-set-aside [data-testid=set-aside-wrong-item]").Click();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=set-aside-entry]")));
        Assert.Empty(page.FindAll("[data-region-keys]"));
        Assert.Empty(page.FindAll(".review-pair"));
        Assert.Empty(page.FindAll("[data-testid=review-message]"));
        // Approve would keep the grader's box on another item's photo: offered, it was refused (review of the set-aside).
        Assert.True(page.Find("[data-testid=approve]").HasAttribute("disabled"));
        Assert.Contains("now set aside", page.Find("[data-testid=approve-blocked-set-aside]").TextContent, StringComparison.Ordinal);

        // Put back (a mistake undone): the grader's box is on the form again, and Approve with it.
        page.Find("[data-testid=put-back-photo]").Click();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-region-keys]")));
        Assert.False(page.Find("[data-testid=approve]").HasAttribute("disabled"));
        page.Find(".review-set-aside [data-testid=set-aside-photo]").Click();
        page.Find(".review-set-aside [data-testid=set-aside-wrong-item]").Click();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=set-aside-entry]")));
        var itemId = (await (await App.ApiClient("dev-grader").GetAsync($"/api/v1/returns?returnId={plate}")).ReadJsonAsync()).GetProperty("id").GetString();
        var task = Guid.Parse((await (await App.ApiClient("dev-grader").GetAsync($"/api/v1/returns/{itemId}")).ReadJsonAsync()).GetProperty("reviews")[0].GetProperty("taskId").GetString()!);

        var decided = await App.Services.GetRequiredService<ReviewDesk>().DecideAsync(task,
            new Returns.Grader.Web.Features.Decisions.ReviewDecisionRequest("Good", "resell_used", [], null, "false_damage"), Supervisor, CancellationToken.None);
        Assert.Equal(Grade.Good, decided.Grade);
        Assert.Empty(decided.Damage);
    }

    /// <summary>
    /// The supervisor's own box edits survive a set-aside (exploratory pass of the set-aside): a box rejected, then another
    /// photo set aside, kept Approve off (it came back on, and Approve stored the grader's box over the edit); a box
    /// rejected on a photo set aside and put back comes back rejected, not as the grader left it.
    /// </summary>
    [Fact]
    public async Task TheSupervisorsBoxEdits_SurviveASetAsideAndAPutBack_AndApproveStaysOff()
    {
        var grader = App.ApiClient("dev-grader");
        var plate = ApiJson.UniquePlate("RSB");
        var id = (await grader.CreateItemAsync(plate, unitValue: 900m)).GetProperty("id").GetString();
        var upload = await (await grader.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(
            ("a.jpg", TestPhotos.PhotoLikeJpeg(640, 480, seed: 61), "image/jpeg"), ("b.jpg", TestPhotos.PhotoLikeJpeg(640, 480, seed: 62), "image/jpeg")))).ReadJsonAsync();
        var (first, second) = (upload.GetProperty("photos")[0].GetProperty("photoId").GetString(), upload.GetProperty("photos")[1].GetProperty("photoId").GetString());
        (await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new
        {
            grade = "Good", disposition = "resell_used",
            damage = new[] { new { photoId = first, type = "dent", box = new[] { 10, 10, 80, 80 } } }, // none on the second photo
        })).EnsureSuccessStatusCode();
        var task = Guid.Parse((await (await grader.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("reviews")[0].GetProperty("taskId").GetString()!);
        await App.Services.GetRequiredService<ReviewDesk>().ClaimAsync(task, Supervisor, CancellationToken.None);
        var page = Render<ReviewTaskPage>(p => p.Add(c => c.TaskId, task));
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-region-keys]")));
        IElement Row(string? photo) => page.Find($"[data-region-keys][data-photo-id='{photo}']");
        IElement PairOf(string? photo) => page.Find($".review-pair[data-photo-id='{photo}']");

        Row(first).QuerySelector("[data-testid=review-region-toggle]")!.Click();     // rejected: not damage
        page.WaitForAssertion(() => Assert.True(page.Find("[data-testid=approve]").HasAttribute("disabled")));
        // another photo, with no box of the grader's, set aside: the rejection still stands, and Approve stays off
        PairOf(second).QuerySelector("[data-testid=set-aside-photo]")!.Click();
        PairOf(second).QuerySelector("[data-testid=set-aside-wrong-item]")!.Click();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=set-aside-entry]")));
        Assert.Equal("deleted", Row(first).GetAttribute("data-region-source"));
        Assert.True(page.Find("[data-testid=approve]").HasAttribute("disabled"));
        page.Find("[data-testid=put-back-photo]").Click();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=set-aside-entry]")));

        // the photo with the rejected box set aside and put back: the box comes back rejected
        PairOf(first).QuerySelector("[data-testid=set-aside-photo]")!.Click();
        PairOf(first).QuerySelector("[data-testid=set-aside-unusable]")!.Click();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-region-keys]")));
        page.Find("[data-testid=put-back-photo]").Click();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-region-keys]")));
        Assert.Equal("deleted", Row(first).GetAttribute("data-region-source"));
        Assert.True(page.Find("[data-testid=approve]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task AnotherGrade_TakesTheSitesDispositionForIt_UntilTheSupervisorChoosesOne()
    {
        var (_, page) = await ClaimedOnThePageAsync(); // graded Good, resell_used
        var disposition = page.FindComponent<MudBlazor.MudSelect<Disposition?>>();
        Disposition? Shown() => Enum.TryParse<Disposition>(page.Find("[data-testid=review-disposition][data-disposition]").GetAttribute("data-disposition"), out var d) ? d : null;
        var category = (await App.ApiClient("dev-grader").CreateItemAsync(ApiJson.UniquePlate("RC"))).GetProperty("category").GetString()!;
        var forUnsellable = App.Services.GetRequiredService<Returns.Grader.Web.Features.Decisions.DecisionLedger>().SuggestDisposition(Grade.Unsellable, category);
        Assert.NotEqual(Disposition.ResellUsed, forUnsellable); // else this test could not tell

        page.Find("[data-testid=review-form] [data-grade=Unsellable]").Click();
        page.WaitForAssertion(() => Assert.Equal(forUnsellable, Shown()));
        Assert.Contains("Follows the grade", page.Markup);
        page.Find("[data-testid=review-form] [data-grade=Good]").Click(); // back at the grader's grade: the grader's disposition
        page.WaitForAssertion(() => Assert.Equal(Disposition.ResellUsed, Shown()));

        await page.InvokeAsync(() => disposition.Instance.ValueChanged.InvokeAsync(Disposition.Donate));
        page.Find("[data-testid=review-form] [data-grade=Unsellable]").Click(); // chosen by the supervisor: it stays
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("[data-testid=review-form] [data-grade=Unsellable]").GetAttribute("aria-checked")));
        Assert.Equal(Disposition.Donate, Shown());
    }

    /// <summary>
    /// A disposition the site's rules filled in for the supervisor's new grade is saved as filled in, not as the
    /// supervisor's choice (eighteenth session's list: every review decision stored its disposition as chosen); one the
    /// supervisor picks is saved as chosen.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnOverride_StoresTheRulesDispositionAsFilledIn_AndAPickedOneAsChosen(bool supervisorPicksOne)
    {
        var (plate, page) = await ClaimedOnThePageAsync(); // graded Good, resell_used (chosen)
        var disposition = page.FindComponent<MudBlazor.MudSelect<Disposition?>>();
        var reason = page.FindComponents<MudBlazor.MudSelect<string>>().Single(s => s.Instance.Label == "Reason code");

        page.Find("[data-testid=review-form] [data-grade=Unsellable]").Click();
        if (supervisorPicksOne)
        {
            await page.InvokeAsync(() => disposition.Instance.ValueChanged.InvokeAsync(Disposition.Recycle));
        }
        await page.InvokeAsync(() => reason.Instance.ValueChanged.InvokeAsync("wrong_grade"));
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=override]").HasAttribute("disabled")));
        page.Find("[data-testid=override]").Click();

        page.WaitForAssertion(() => Assert.EndsWith("/review", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal));
        var item = await ItemAsync(plate);
        var final = item.Decisions.Single(d => d.Id == item.CurrentDecisionId);
        Assert.Equal((Grade.Unsellable, "wrong_grade"), (final.Grade, final.ReasonCode));
        Assert.Equal(!supervisorPicksOne, final.DispositionPrefilled);
        Assert.False(final.GradePrefilled);
    }

    [Fact]
    public async Task TheGradersChoicesArePrefilled_AndSavingAnOverrideWaitsForAReasonCode()
    {
        var (plate, task) = await QueuedAsync();
        await App.Services.GetRequiredService<ReviewDesk>().ClaimAsync(task, Supervisor, CancellationToken.None);

        var page = Render<ReviewTaskPage>(p => p.Add(c => c.TaskId, task));

        page.WaitForAssertion(() => Assert.Contains(plate, page.Find("[data-testid=review-item]").TextContent));
        Assert.Equal("true", page.Find("[data-testid=review-form] [data-grade=Good]").GetAttribute("aria-checked"));
        Assert.Contains("claimed by Test Supervisor until", page.Markup);
        Assert.Contains("(2)", page.Find("[data-testid=review-form] [data-damage=dent]").TextContent); // the dent, marked once
        Assert.True(page.Find("[data-testid=override]").HasAttribute("disabled")); // no reason code yet
        Assert.False(page.Find("[data-testid=approve]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task ApprovingWithTheLease_SetsTheFinalLabel_AndGoesBackToTheQueue()
    {
        var (plate, page) = await ClaimedOnThePageAsync();

        page.Find("[data-testid=approve]").Click();

        page.WaitForAssertion(() => Assert.EndsWith("/review", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal));
        Assert.Equal(ItemStatus.Final, (await ItemAsync(plate)).Status);
    }

    /// <summary>
    /// The region keys on the review page (issue 17): N chooses the grader's first box, Shift+4 retypes it, R rejects
    /// it, and Ctrl+Z / Ctrl+Shift+Z undo and redo each step; with nothing chosen R does nothing.
    /// </summary>
    [Fact]
    public async Task RegionKeys_ActOnTheChosenBox_AndUndoTakesEachStepBack()
    {
        var (_, page) = await ClaimedWithBoxesAsync("RK", "Good", "resell_used",
            ("scratch", [10, 10, 40, 40], "added"), ("dent", [100, 100, 40, 40], "added"));
        string Row(int n, string attribute) => page.FindAll("[data-region-keys]")[n].GetAttribute(attribute)!;

        await page.InvokeAsync(() => page.Instance.OnRegionKey("reject", 0)); // nothing chosen yet
        Assert.Equal("accepted", Row(0, "data-region-source"));
        Assert.True(page.Find("[data-testid=review-undo]").HasAttribute("disabled"));

        await page.InvokeAsync(() => page.Instance.OnRegionKey("next", 0));
        Assert.Equal("true", Row(0, "data-selected"));
        Assert.Equal("false", Row(1, "data-selected"));
        await page.InvokeAsync(() => page.Instance.OnRegionKey("type", 4)); // Shift+4: tear
        Assert.Equal("edited", Row(0, "data-region-source"));
        Assert.Contains("Tear", page.FindAll("[data-testid=review-region-type]")[0].OuterHtml, StringComparison.Ordinal);
        await page.InvokeAsync(() => page.Instance.OnRegionKey("reject", 0));
        Assert.Equal("deleted", Row(0, "data-region-source"));
        Assert.Equal("accepted", Row(1, "data-region-source"));

        await page.InvokeAsync(page.Instance.OnUndoKey);
        Assert.Equal("edited", Row(0, "data-region-source"));
        await page.InvokeAsync(page.Instance.OnUndoKey);
        Assert.Equal("accepted", Row(0, "data-region-source"));
        Assert.True(page.Find("[data-testid=review-undo]").HasAttribute("disabled"));
        await page.InvokeAsync(page.Instance.OnRedoKey);
        Assert.Equal("edited", Row(0, "data-region-source"));
        Assert.False(page.Find("[data-testid=review-undo]").HasAttribute("disabled"));
    }

    /// <summary>
    /// A box the grader rejected as not damage comes to the review page rejected, saying so, and the supervisor can
    /// restore it (it was left out: a wrongly rejected box could only come back as a mark without its box). Each row says
    /// what the grader did with the box; the restored box is damage in the final label.
    /// </summary>
    [Fact]
    public async Task ABoxTheGraderRejected_IsListedAsRejected_AndTheSupervisorCanRestoreIt()
    {
        var (plate, page) = await ClaimedWithBoxesAsync("RR", "LikeNew", "restock",
            ("dent", [100, 100, 40, 40], "deleted"), ("scratch", [10, 10, 40, 40], "added"));

        // Each row: what it is now, the button that changes it, and what the grader did.
        (string Source, string Button, string Note)[] Rows() => [.. page.FindAll("[data-region-keys]").Select(r => (r.GetAttribute("data-region-source")!,
            r.QuerySelector("[data-testid=review-region-toggle]")!.TextContent.Trim(), r.QuerySelector("[data-testid=review-region-note]")!.TextContent))
            .OrderBy(r => r.Item3, StringComparer.Ordinal)];
        Assert.Equal([("accepted", "Not damage", "drawn by the grader"), ("deleted", "Restore", "the model's, rejected by the grader as not damage")], Rows());
        Assert.False(page.Find("[data-testid=approve]").HasAttribute("disabled"));

        page.FindAll("[data-region-keys]").Single(r => r.TextContent.Contains("rejected", StringComparison.Ordinal))
            .QuerySelector("[data-testid=review-region-toggle]")!.Click();

        Assert.Equal([("accepted", "Not damage", "drawn by the grader"), ("accepted", "Not damage", "the model's, rejected by the grader as not damage; kept as damage by you")], Rows());
        Assert.True(page.Find("[data-testid=approve]").HasAttribute("disabled")); // restoring changed the grader's choices
        page.Find("[data-testid=review-form] [data-grade=Good]").Click();
        await page.InvokeAsync(() => page.FindComponent<MudBlazor.MudSelect<string>>().Instance.ValueChanged.InvokeAsync("missed_damage"));
        page.Find("[data-testid=override]").Click();

        page.WaitForAssertion(() => Assert.EndsWith("/review", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal));
        var final = (await ItemAsync(plate)).Decisions.Single(d => d.Kind == DecisionKind.Review);
        Assert.Equal([(DamageType.Scratch, RegionSource.Accepted), (DamageType.Dent, RegionSource.Accepted)],
            final.Damage.Select(d => (d.Type, d.Source)).OrderBy(d => d.Type));
    }

    /// <summary>
    /// Approve keeps the grader's decision as it stands, their "not damage" included: it was left out, and the final label
    /// and its history then read as the supervisor taking the grader's rejection back (exploratory pass, 2026-12-06).
    /// </summary>
    [Fact]
    public async Task Approving_KeepsTheBoxTheGraderRejected_AsRejected()
    {
        var (plate, page) = await ClaimedWithBoxesAsync("RA", "LikeNew", "restock",
            ("dent", [100, 100, 40, 40], "deleted"), ("scratch", [10, 10, 40, 40], "added"));

        page.Find("[data-testid=approve]").Click();

        page.WaitForAssertion(() => Assert.EndsWith("/review", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal));
        var item = await ItemAsync(plate);
        var graded = item.Decisions.Single(d => d.Kind != DecisionKind.Review);
        var final = item.Decisions.Single(d => d.Kind == DecisionKind.Review);
        Assert.Equal(graded.Damage.Select(d => (d.Type, d.Source, string.Join(',', d.Box!))).Order(),
            final.Damage.Select(d => (d.Type, d.Source, string.Join(',', d.Box!))).Order());
        Assert.Contains(final.Damage, d => d is { Type: DamageType.Dent, Source: RegionSource.Deleted });
        Assert.Equal(graded.DamageInWords(), final.DamageInWords());
    }

    [Fact]
    public async Task RefusedDecision_ShowsTheMessage_KeepsThePageAndItsChoices_AndTheNextTryIsKept()
    {
        var (plate, page) = await ClaimedOnThePageAsync();
        await page.Find("input[data-testid=review-notes]").InputAsync("Dent checked under the light"); // the supervisor's own words
        var refusal = await RefusedWrites.OnAsync(App.DatabasePath, "GradeDecisions");

        page.Find("[data-testid=approve]").Click();

        // Before: the exception left the event handler, which on a live circuit ends it and the supervisor's choices
        // with it (bUnit surfaces it as the test's exception).
        page.WaitForAssertion(() => Assert.Contains("the final grade was not saved", page.Find("[data-testid=review-message]").TextContent));
        Assert.Equal("Dent checked under the light", page.Find("input[data-testid=review-notes]").GetAttribute("value"));
        Assert.False(page.Find("[data-testid=approve]").HasAttribute("disabled"));
        Assert.Equal(ItemStatus.InReview, (await ItemAsync(plate)).Status);

        await refusal.DisposeAsync();
        page.Find("[data-testid=approve]").Click();
        page.WaitForAssertion(() => Assert.EndsWith("/review", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal));
        Assert.Equal(ItemStatus.Final, (await ItemAsync(plate)).Status);
    }

    /// <summary>
    /// A decision made after its supervisor signed out in another tab is not saved (ADR 0041; regression pass: within
    /// the page's revalidation interval an Enter saved a grade under the person who had just signed out).
    /// </summary>
    [Fact]
    public async Task ADecision_AfterTheSupervisorSignedOutElsewhere_IsNotSaved_AndSaysWhy()
    {
        var session = Guid.NewGuid().ToString("N");
        Authorization.SetClaims(new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.NameIdentifier, "test:supervisor"),
            new System.Security.Claims.Claim(SignInSessions.ClaimType, session));
        var (plate, page) = await ClaimedOnThePageAsync();
        var signedOut = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new System.Security.Claims.Claim(SignInSessions.ClaimType, session)], "test"));
        await App.Services.GetRequiredService<SignInSessions>().SignedOutAsync(signedOut, CancellationToken.None);

        page.Find("[data-testid=approve]").Click();

        page.WaitForAssertion(() => Assert.Contains("You have signed out", page.Find("[data-testid=review-message]").TextContent, StringComparison.Ordinal));
        Assert.Equal(ItemStatus.InReview, (await ItemAsync(plate)).Status);
    }

    /// <summary>Opened by its address, a task the supervisor graded says so instead of offering a Claim that could only fail.</summary>
    [Fact]
    public async Task ATaskTheSupervisorGraded_OpenedByItsAddress_SaysSo_WithoutAClaim()
    {
        var plate = ApiJson.UniquePlate("RO");
        var id = Guid.Parse((await App.ApiClient("dev-grader").CreateItemAsync(plate, unitValue: 900m)).GetProperty("id").GetString()!);
        await App.Services.GetRequiredService<Returns.Grader.Web.Features.Decisions.DecisionLedger>().DecideAsync(id,
            new Returns.Grader.Web.Features.Decisions.GradeRequest("Good", "resell_used", [], null), Supervisor, CancellationToken.None);
        var task = (await ItemAsync(plate)).Reviews[0].TaskId;

        var page = Render<ReviewTaskPage>(p => p.Add(c => c.TaskId, task));

        page.WaitForAssertion(() => Assert.Contains("You graded this item", page.Find("[data-testid=own-grade]").TextContent, StringComparison.Ordinal));
        Assert.Empty(page.FindAll("[data-testid=claim-here]"));
    }

    /// <summary>The supervisor's own grade is in the queue without a Review button, said on its row (the desk refuses the claim).</summary>
    [Fact]
    public async Task TheQueue_OffersNoReviewOfTheSupervisorsOwnGrade()
    {
        var (othersPlate, _) = await QueuedAsync();
        var ownPlate = ApiJson.UniquePlate("RO");
        var id = Guid.Parse((await App.ApiClient("dev-grader").CreateItemAsync(ownPlate, unitValue: 900m)).GetProperty("id").GetString()!);
        await App.Services.GetRequiredService<Returns.Grader.Web.Features.Decisions.DecisionLedger>().DecideAsync(id,
            new Returns.Grader.Web.Features.Decisions.GradeRequest("Good", "resell_used", [], null), Supervisor, CancellationToken.None);
        JSInterop.SetupModule("/assets/js/queue.js");

        var page = Render<ReviewQueuePage>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll($"[data-testid=own-grade][data-return-id={ownPlate}]")));
        Assert.Empty(page.FindAll($"[data-testid=claim][data-return-id={ownPlate}]"));
        Assert.Single(page.FindAll($"[data-testid=claim][data-return-id={othersPlate}]"));
    }

    /// <summary>Keyboard first: once the queue is live its first Review button takes the focus, so Enter claims it (after a
    /// decision the supervisor came back to the page's body, twelve Tabs away; keyboard audit, 2026-12-05).</summary>
    [Fact]
    public async Task TheQueue_PutsTheFocusOnItsFirstReviewButton()
    {
        await QueuedAsync();
        var queue = JSInterop.SetupModule("/assets/js/queue.js");

        var page = Render<ReviewQueuePage>();

        page.WaitForAssertion(() => Assert.Single(queue.Invocations, i => i.Identifier == "focusFirstClaim"));
    }

    /// <summary>
    /// A row someone else holds is marked, so the queue's first focus passes over it (Enter there only said who holds it),
    /// and a claim refused as held puts the focus on a row nobody else holds, not the page's body (keyboard pass, 2026-12-07).
    /// </summary>
    [Fact]
    public async Task TheQueue_MarksRowsSomeoneElseHolds_AndARefusedClaimMovesTheFocusOn()
    {
        var (held, heldTask) = await QueuedAsync();
        var (free, _) = await QueuedAsync();
        await App.Services.GetRequiredService<ReviewDesk>().ClaimAsync(heldTask, new Actor("test:other", "Olga Other", Roles.Supervisor), CancellationToken.None);
        var queue = JSInterop.SetupModule("/assets/js/queue.js");

        var page = Render<ReviewQueuePage>();

        page.WaitForElement($"[data-testid=claim][data-return-id={held}]");
        Assert.Equal("true", page.Find($"[data-testid=claim][data-return-id={held}]").GetAttribute("data-held-by-another"));
        Assert.False(page.Find($"[data-testid=claim][data-return-id={free}]").HasAttribute("data-held-by-another"));
        page.Find($"[data-testid=claim][data-return-id={held}]").Click();
        page.WaitForAssertion(() => Assert.Contains("Olga Other is reviewing", page.Find("[data-testid=queue-message]").TextContent, StringComparison.Ordinal));
        page.WaitForAssertion(() => Assert.Single(queue.Invocations, i => i.Identifier == "focusFreeClaim"));
    }

    [Fact]
    public async Task RefusedClaim_OnTheQueue_IsSaidInPlainWords_AndThePageGoesOn()
    {
        var (plate, _) = await QueuedAsync();
        var queue = Render<ReviewQueuePage>();
        var claim = $"[data-testid=claim][data-return-id={plate}]";
        queue.WaitForElement(claim);
        var refusal = await RefusedWrites.OnAsync(App.DatabasePath, "ReviewTasks", "UPDATE");

        queue.Find(claim).Click();

        queue.WaitForAssertion(() => Assert.Contains("the item was not claimed", queue.Find("[data-testid=queue-message]").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain("/review/", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);

        await refusal.DisposeAsync();
        queue.Find(claim).Click();
        queue.WaitForAssertion(() => Assert.Contains("/review/", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal));
    }

    private async Task<ReturnItemDetails> ItemAsync(string plate)
    {
        var items = App.Services.GetRequiredService<ReturnItems>();
        var id = await items.FindIdByReturnIdAsync(plate, CancellationToken.None);
        return (await items.GetAsync(id!.Value, CancellationToken.None))!;
    }

    [Fact]
    public async Task AfterTheSupervisorChangesTheGradersChoices_ApproveIsNotOffered_UntilTheyAreUndone()
    {
        var (_, page) = await ClaimedOnThePageAsync();
        Assert.False(page.Find("[data-testid=approve]").HasAttribute("disabled"));

        // "Approve grader's grade" stores the grader's choices: after a change it would drop the supervisor's without a word.
        page.Find("[data-testid=review-form] [data-grade=Unsellable]").Click();

        Assert.True(page.Find("[data-testid=approve]").HasAttribute("disabled"));
        Assert.Contains("You changed the grader's choices", page.Find("[data-testid=approve-blocked]").TextContent, StringComparison.Ordinal);

        page.Find("[data-testid=review-form] [data-grade=Good]").Click(); // back to the grader's grade
        Assert.False(page.Find("[data-testid=approve]").HasAttribute("disabled"));
        Assert.Empty(page.FindAll("[data-testid=approve-blocked]"));
    }

    [Fact]
    public async Task WhileAnotherSupervisorHoldsTheLease_ThePageSaysSoFirst_AndOffersNoDecision()
    {
        var (plate, task) = await QueuedAsync();
        (await App.ApiClient("dev-admin").PostAsync($"/api/v1/review-queue/{task}/claim", null)).EnsureSuccessStatusCode(); // someone else holds it
        var page = Render<ReviewTaskPage>(p => p.Add(c => c.TaskId, task));
        page.WaitForElement("[data-testid=approve]");

        // Told before any work is done (the page used to take the choices and then refuse them: "claim it first").
        Assert.Contains("is reviewing this item until", page.Find("[data-testid=lease-held]").TextContent, StringComparison.Ordinal);
        var until = (await App.Services.GetRequiredService<ReviewDesk>().FindAsync(task, CancellationToken.None))!.LeaseExpiresAt!.Value;
        var atSite = TimeZoneInfo.ConvertTimeFromUtc(until, TimeZoneInfo.FindSystemTimeZoneById(SiteZone));
        Assert.Contains($"until {atSite:HH:mm}.", page.Find("[data-testid=lease-held]").TextContent, StringComparison.Ordinal); // the site's clock, not the server's
        Assert.True(page.Find("[data-testid=approve]").HasAttribute("disabled"));
        page.Find("[data-testid=review-form] [data-grade=Unsellable]").Click();
        Assert.True(page.Find("[data-testid=override]").HasAttribute("disabled"));
        page.Find("[data-testid=approve]").Click();
        Assert.Equal(ItemStatus.InReview, (await ItemAsync(plate)).Status);
        Assert.Empty(page.FindAll("[data-testid=claim-here]"));
    }

    [Fact]
    public async Task AnUnclaimedTask_OpenedByItsAddress_OffersAClaim_ThenTheDecision()
    {
        var (plate, task) = await QueuedAsync();
        var page = Render<ReviewTaskPage>(p => p.Add(c => c.TaskId, task));
        page.WaitForElement("[data-testid=approve]");
        Assert.True(page.Find("[data-testid=approve]").HasAttribute("disabled"));

        page.Find("button[data-testid=claim-here]").Click();

        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=approve]").HasAttribute("disabled")));
        Assert.Empty(page.FindAll("[data-testid=lease-free]"));
        Assert.Contains("claimed by Test Supervisor until", page.Markup, StringComparison.Ordinal);
        page.Find("[data-testid=approve]").Click();
        page.WaitForAssertion(() => Assert.EndsWith("/review", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal));
        Assert.Equal(ItemStatus.Final, (await ItemAsync(plate)).Status);
    }

    /// <summary>
    /// A reason code other than "approved" blocks the approval, saying why (review-desk pass, 2026-12-05: "Missed
    /// damage" chosen, then "Approve grader's grade" stored "approved" without a word).
    /// </summary>
    [Fact]
    public async Task AChosenReason_BlocksTheApproval_ThatWouldDropIt()
    {
        var (_, page) = await ClaimedOnThePageAsync();
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=approve]").HasAttribute("disabled")));
        var reason = page.FindComponents<MudBlazor.MudSelect<string>>().Single(s => s.Instance.Label == "Reason code");

        await page.InvokeAsync(() => reason.Instance.ValueChanged.InvokeAsync("missed_damage"));

        page.WaitForAssertion(() => Assert.True(page.Find("[data-testid=approve]").HasAttribute("disabled")));
        Assert.Contains("an approval is saved as", page.Find("[data-testid=approve-blocked-reason]").TextContent, StringComparison.Ordinal);
        await page.InvokeAsync(() => reason.Instance.ValueChanged.InvokeAsync("approved"));
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=approve]").HasAttribute("disabled")));
    }

    /// <summary>
    /// A correction while the task is claimed: the decision is refused, and the page claims the task again and shows the
    /// new grade (review-desk pass, 2026-12-05: "claim it again", with no Claim button and every decision refused).
    /// </summary>
    [Fact]
    public async Task ACorrectionAfterTheClaim_IsShown_AndTheNextDecisionIsTaken()
    {
        var (plate, page) = await ClaimedOnThePageAsync();
        var grader = App.ApiClient("dev-grader");
        var id = (await (await grader.GetAsync($"/api/v1/returns?returnId={plate}")).ReadJsonAsync()).GetProperty("id").GetString();
        (await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "Unsellable", disposition = "recycle", damage = new[] { new { type = "crack" } }, contradictionReason = "cracked through" })).EnsureSuccessStatusCode();

        await page.Find("[data-testid=approve]").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());

        page.WaitForAssertion(() => Assert.Contains("the page now shows the latest grade", page.Find("[data-testid=review-message]").TextContent, StringComparison.Ordinal));
        Assert.Contains("Unsellable", page.Find("[data-testid=grader-grade]").TextContent, StringComparison.Ordinal);
        await page.Find("[data-testid=approve]").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());
        var item = await (await grader.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync(); // the click's handler has run
        Assert.Equal("Final", item.GetProperty("status").GetString());
        Assert.Equal("Unsellable", item.GetProperty("decisions").EnumerateArray().Last().GetProperty("grade").GetString());
    }

    /// <summary>
    /// A correction before the claim, while the page was open (or while a lapsed claim was renewed): the claim is refused,
    /// and the page shows the item as it is now. It took the item as it was at the claim, so "Save final grade" then
    /// made the page's older view final over the grader's correction (review of the review desk, 2026-12-06).
    /// </summary>
    [Fact]
    public async Task ACorrectionBeforeTheClaim_RefusesTheClaim_AndThePageShowsTheLatestGrade()
    {
        var (plate, task) = await QueuedAsync(); // graded Good, resell_used, a dent
        var page = Render<ReviewTaskPage>(p => p.Add(c => c.TaskId, task));
        page.WaitForElement("[data-testid=claim-here]");
        var grader = App.ApiClient("dev-grader");
        var id = (await (await grader.GetAsync($"/api/v1/returns?returnId={plate}")).ReadJsonAsync()).GetProperty("id").GetString();
        (await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "Unsellable", disposition = "recycle", damage = new[] { new { type = "crack" } }, contradictionReason = "cracked through" })).EnsureSuccessStatusCode();

        await page.Find("button[data-testid=claim-here]").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());

        page.WaitForAssertion(() => Assert.Contains("changed since this page showed it", page.Find("[data-testid=review-message]").TextContent, StringComparison.Ordinal));
        Assert.Contains("Unsellable", page.Find("[data-testid=grader-grade]").TextContent, StringComparison.Ordinal);
        Assert.True(page.Find("[data-testid=approve]").HasAttribute("disabled"));
        var claimed = await (await App.ApiClient("dev-supervisor").GetAsync("/api/v1/review-queue")).ReadJsonAsync();
        Assert.Null(claimed.EnumerateArray().Single(e => e.GetProperty("taskId").GetString() == task.ToString()).GetProperty("claimedBy").GetString());

        await page.Find("button[data-testid=claim-here]").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=approve]").HasAttribute("disabled")));
        await page.Find("[data-testid=approve]").ClickAsync(new Microsoft.AspNetCore.Components.Web.MouseEventArgs());
        var item = await (await grader.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        Assert.Equal("Final", item.GetProperty("status").GetString());
        var final = item.GetProperty("decisions").EnumerateArray().Last();
        Assert.Equal(("Unsellable", "recycle"), (final.GetProperty("grade").GetString(), final.GetProperty("disposition").GetString()));
    }
}
