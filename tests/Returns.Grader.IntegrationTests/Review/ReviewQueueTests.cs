using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Returns.Grader.TestSupport;

namespace Returns.Grader.IntegrationTests.Review;

/// <summary>The queue, claims and their leases (on a fake clock), conflicts, and the final-label rule, on the real app.</summary>
public sealed class ReviewQueueTests : IClassFixture<ReviewQueueTests.ClockedApp>
{
    public sealed class ClockedApp : GraderAppFactory
    {
        public ClockedApp()
        {
            Clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.Zero));
            TestServices = services => services.AddSingleton<TimeProvider>(Clock);
        }

        public FakeTimeProvider Clock { get; }
    }

    private readonly ClockedApp _app;
    private readonly HttpClient _grader;
    private readonly HttpClient _supervisor;
    private readonly HttpClient _admin;

    public ReviewQueueTests(ClockedApp app)
    {
        _app = app;
        _grader = app.ApiClient("dev-grader");
        _supervisor = app.ApiClient("dev-supervisor");
        _admin = app.ApiClient("dev-admin");
    }

    /// <summary>A high-value item graded at the station, so it waits in the queue; returns (itemId, taskId).</summary>
    private async Task<(string ItemId, string TaskId)> QueuedItemAsync(decimal unitValue = 800m)
    {
        var id = (await _grader.CreateItemAsync(ApiJson.UniquePlate("RQ"), unitValue)).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await _grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used", damage = new[] { new { type = "dent" } } })).StatusCode);
        var item = await (await _grader.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        return (id, item.GetProperty("reviews")[0].GetProperty("taskId").GetString()!);
    }

    private static object Override(string grade = "Acceptable", string reasonCode = "missed_damage") =>
        new { grade, disposition = "liquidate", damage = new[] { new { type = "tear" } }, reasonCode };

    /// <summary>
    /// Nobody reviews their own grade (security pass, 2026-12-05: a supervisor graded an item with "flag for review",
    /// claimed the task and approved it, and that went out as the final label): the claim is refused with a reason, and
    /// another supervisor or an admin takes it. After a supervisor's correction the task is theirs to leave too.
    /// </summary>
    [Fact]
    public async Task TheGraderOfTheGradeUnderReview_CannotClaimIt_AnotherReviewerCan()
    {
        var id = (await _supervisor.CreateItemAsync(ApiJson.UniquePlate("RS"), 800m)).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await _supervisor.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "LikeNew", disposition = "restock", flagForReview = true })).StatusCode);
        var task = (await (await _supervisor.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("reviews")[0].GetProperty("taskId").GetString()!;

        var refused = await _supervisor.PostAsync($"/api/v1/review-queue/{task}/claim", null);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var problem = await refused.ReadJsonAsync();
        Assert.Equal("own_grade", problem.GetProperty("reason").GetString());
        Assert.Contains("yourself", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var decided = await _supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision",
            new { grade = "LikeNew", disposition = "restock", reasonCode = "approved" });
        Assert.Equal(HttpStatusCode.Forbidden, decided.StatusCode); // not "claim it first", which leads to a refused claim
        Assert.Equal("own_grade", (await decided.ReadJsonAsync()).GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync($"/api/v1/review-queue/{task}/claim", null)).StatusCode);

        // A task the admin holds, corrected by the supervisor (who then graded it): the supervisor still may not take it.
        var (item2, task2) = await QueuedItemAsync();
        Assert.Equal(HttpStatusCode.Created, (await _supervisor.PostAsJsonAsync($"/api/v1/returns/{item2}/grade",
            new { grade = "Acceptable", disposition = "liquidate", damage = new[] { new { type = "tear" } } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _supervisor.PostAsync($"/api/v1/review-queue/{task2}/claim", null)).StatusCode);
    }

    /// <summary>
    /// A decision on a task nobody claimed says to claim it (review-desk pass, 2026-12-05: " is reviewing this item",
    /// with no name, to a caller nobody was ahead of).
    /// </summary>
    [Fact]
    public async Task ADecisionOnATaskNobodyClaimed_SaysToClaimItFirst()
    {
        var (_, task) = await QueuedItemAsync();

        var refused = await _supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision", Override());

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.ReadJsonAsync();
        Assert.StartsWith("Claim this item first", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Not claimed", problem.GetProperty("title").GetString()); // it read "Changed meanwhile", then "Changed by someone else"
    }

    /// <summary>
    /// A reason code that contradicts what the supervisor did is refused, naming reasonCode; said the way it was done, the
    /// same decision is kept. "Approved" with another disposition or other damage was stored, and My grades told the
    /// grader "Approved" (review of the review desk, 2026-12-06).
    /// </summary>
    [Theory]
    [InlineData("Good", "resell_used", "dent", "wrong_grade", "Good", "approved")] // the grader's own grade, called wrong
    [InlineData("Acceptable", "resell_used", "dent", "approved", "Good", "wrong_grade")] // another grade, called an approval
    [InlineData("Good", "donate", "dent", "approved", "Resell used", "wrong_disposition")] // another disposition, called an approval
    [InlineData("Good", "resell_used", "dent,scratch", "approved", "damage", "missed_damage")] // damage added, called an approval
    [InlineData("Good", "resell_used", "", "approved", "damage", "false_damage")] // damage taken away, called an approval
    // and the corrections that changed nothing they name (exploratory pass, 2026-12-06: stored, and exported as reason_code)
    [InlineData("Good", "resell_used", "dent", "wrong_disposition", "Resell used", "approved")] // the grader's own disposition
    [InlineData("Good", "resell_used", "dent", "missed_damage", "add the damage that was missed", "approved")]
    [InlineData("Good", "resell_used", "dent", "false_damage", "take away the damage that is not there", "approved")]
    [InlineData("Good", "resell_used", "", "missed_damage", "Nothing was added", "false_damage")] // the other way round
    [InlineData("Good", "resell_used", "dent,scratch", "false_damage", "Nothing was taken", "missed_damage")]
    public async Task ReasonCode_ThatContradictsWhatTheSupervisorDid_IsRefused_AndNothingIsStored(
        string grade, string disposition, string damage, string reasonCode, string said, string fits)
    {
        var (id, task) = await QueuedItemAsync(); // graded Good, resell_used, a dent
        Assert.Equal(HttpStatusCode.OK, (await _supervisor.PostAsync($"/api/v1/review-queue/{task}/claim", null)).StatusCode);
        var marks = damage.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(type => new { type }).ToArray();

        var refused = await _supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision", new { grade, disposition, damage = marks, reasonCode });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(said, (await refused.ReadJsonAsync()).GetProperty("errors").GetProperty("reasonCode")[0].GetString());
        var item = await (await _supervisor.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        Assert.Equal(1, item.GetProperty("decisions").GetArrayLength());
        var kept = await _supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision", new { grade, disposition, damage = marks, reasonCode = fits });
        Assert.Equal(HttpStatusCode.Created, kept.StatusCode);
    }

    /// <summary>
    /// "Approved" keeps the grader's boxes where the grader drew them: the same types with a box moved, taken off its photo
    /// or put on another photo were stored as approved, and the final label lost the grader's box under "Approved"
    /// (two-node pass, 2026-12-07).
    /// </summary>
    [Fact]
    public async Task AnApproval_KeepsTheGradersBoxesWhereTheyWere_AndAMovedOrUnboxedOneNeedsItsReason()
    {
        var id = (await _grader.CreateItemAsync(ApiJson.UniquePlate("RB"), 800m)).GetProperty("id").GetString()!;
        var upload = await _grader.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(
            ("a.jpg", TestPhotos.PhotoLikeJpeg(640, 480, seed: 21), "image/jpeg"), ("b.jpg", TestPhotos.PhotoLikeJpeg(640, 480, seed: 22), "image/jpeg")));
        var photos = (await upload.ReadJsonAsync()).GetProperty("photos").EnumerateArray().Select(p => p.GetProperty("photoId").GetString()!).ToArray();
        Assert.Equal(HttpStatusCode.Created, (await _grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new
        {
            grade = "Good", disposition = "resell_used", contradictionReason = "checked",
            damage = new object[]
            {
                new { type = "dent", photoId = photos[0], box = new[] { 100, 100, 60, 60 } }, new { type = "scratch", photoId = photos[1], box = new[] { 10, 10, 40, 40 } },
                new { type = "crack", photoId = photos[0] }, // a mark on a photo without a box (the API takes one)
            },
        })).StatusCode);
        var task = (await (await _grader.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("reviews")[0].GetProperty("taskId").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await _supervisor.PostAsync($"/api/v1/review-queue/{task}/claim", null)).StatusCode);
        var scratch = new { type = "scratch", photoId = photos[1], box = new[] { 10, 10, 40, 40 } };
        // The box-less mark as the review page sends it: by its type (it was refused as a change: review of the session's diff).
        object Approval(object dent) => new { grade = "Good", disposition = "resell_used", damage = new[] { dent, scratch, new { type = "crack" } }, reasonCode = "approved" };

        foreach (var moved in new object[]
        {
            new { type = "dent", photoId = photos[0], box = new[] { 0, 0, 10, 10 } }, // moved
            new { type = "dent" }, // its box taken away
            new { type = "dent", photoId = photos[1], box = new[] { 100, 100, 60, 60 } }, // put on the other photo
        })
        {
            var refused = await _supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision", Approval(moved));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("where the grader marked it", (await refused.ReadJsonAsync()).GetProperty("errors").GetProperty("reasonCode")[0].GetString(), StringComparison.Ordinal);
        }

        var kept = await _supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision",
            Approval(new { type = "dent", photoId = photos[0], box = new[] { 100, 100, 60, 60 } }));
        Assert.Equal(HttpStatusCode.Created, kept.StatusCode);
        var final = (await (await _supervisor.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("decisions").EnumerateArray()
            .Single(d => d.GetProperty("kind").GetString() == "Review");
        Assert.Equal(["crack ", "dent 100,100,60,60", "scratch 10,10,40,40"], final.GetProperty("damage").EnumerateArray()
            .Select(d => $"{d.GetProperty("type").GetString()} {(d.TryGetProperty("box", out var box) && box.ValueKind == JsonValueKind.Array ? string.Join(',', box.EnumerateArray().Select(v => v.GetInt32())) : "")}")
            .Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// "Any case" is any case on SQLite too: its own lower() changes ASCII letters only, so a category "KÜCHE-…" was not
    /// found by "küche-…" (review of the review desk, 2026-12-06). (PostgreSQL's lower() was always Unicode-aware.)
    /// </summary>
    [Fact]
    public async Task TheQueuesCategoryFilter_IgnoresCaseBeyondAscii()
    {
        var category = $"KÜCHE-{Guid.NewGuid():N}"[..14];
        var id = (await _grader.CreateItemAsync(ApiJson.UniquePlate("UC"), 800m, category)).GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.Created, (await _grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new { grade = "Good", disposition = "resell_used" })).StatusCode);

        var found = await (await _supervisor.GetAsync($"/api/v1/review-queue?category={Uri.EscapeDataString(category.ToLowerInvariant())}")).ReadJsonAsync();

        Assert.Equal(id, Assert.Single(found.EnumerateArray()).GetProperty("itemId").GetString());
    }

    /// <summary>
    /// A supervisor's own running claim renewed without a version (a second tab, the queue's Claim) keeps the version
    /// first claimed: a decision made on the first view after a correction is refused. The renewal took the current
    /// version, and the first tab's older view was stored over the correction (diff review, 2026-12-06).
    /// </summary>
    [Fact]
    public async Task RenewingOnesOwnClaimWithoutAVersion_DoesNotBlessAnOlderView()
    {
        var (id, task) = await QueuedItemAsync(); // graded Good, resell_used, a dent
        Assert.Equal(HttpStatusCode.OK, (await _supervisor.PostAsync($"/api/v1/review-queue/{task}/claim", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "Acceptable", disposition = "liquidate", damage = new[] { new { type = "dent" }, new { type = "tear" } }, contradictionReason = "torn" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _supervisor.PostAsync($"/api/v1/review-queue/{task}/claim", null)).StatusCode); // the other tab

        var stale = await _supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision",
            new { grade = "Good", disposition = "resell_used", damage = new[] { new { type = "dent" } }, reasonCode = "wrong_grade" });

        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var said = (await stale.ReadJsonAsync()).GetProperty("detail").GetString();
        Assert.Contains("changed after you claimed it", said, StringComparison.Ordinal);
        var item = await (await _supervisor.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        Assert.Equal("InReview", item.GetProperty("status").GetString());

        // What the refusal says to do works, and is the way out: a plain claim again kept the version first claimed, and
        // the caller, told only "claim it again", was refused until the lease ran out (multi-node pass, 2026-12-07).
        Assert.Contains("claim it with ?itemVersion=", said, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _supervisor.PostAsync($"/api/v1/review-queue/{task}/claim", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision",
            new { grade = "Acceptable", disposition = "liquidate", damage = new[] { new { type = "dent" }, new { type = "tear" } }, reasonCode = "approved" })).StatusCode);
        var version = item.GetProperty("version").GetString();
        Assert.Equal(HttpStatusCode.OK, (await _supervisor.PostAsync($"/api/v1/review-queue/{task}/claim?itemVersion={version}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision",
            new { grade = "Acceptable", disposition = "liquidate", damage = new[] { new { type = "dent" }, new { type = "tear" } }, reasonCode = "approved" })).StatusCode);
    }

    /// <summary>
    /// A claim that names the item's version as the caller read it is refused once a grade or photo has arrived since,
    /// and claims nothing; the version read again claims it. The claim took the item as it was at the claim, so a
    /// decision made on the older view passed the "changed since the claim" check (review of the review desk, 2026-12-06).
    /// </summary>
    [Fact]
    public async Task AClaimNamingAnOlderItemVersion_IsRefused_AndClaimsNothing()
    {
        var (id, task) = await QueuedItemAsync();
        var read = (await (await _supervisor.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("version").GetString();
        Assert.Equal(HttpStatusCode.Created, (await _grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "Good", disposition = "refurbish", damage = new[] { new { type = "dent" } }, flagForReview = true })).StatusCode);

        var refused = await _supervisor.PostAsync($"/api/v1/review-queue/{task}/claim?itemVersion={read}", null);

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("has changed since it was shown", (await refused.ReadJsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var queue = await (await _supervisor.GetAsync("/api/v1/review-queue")).ReadJsonAsync();
        Assert.Equal(JsonValueKind.Null, queue.EnumerateArray().Single(e => e.GetProperty("taskId").GetString() == task.ToString()).GetProperty("claimedBy").ValueKind);
        var now = (await (await _supervisor.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("version").GetString();
        Assert.Equal(HttpStatusCode.OK, (await _supervisor.PostAsync($"/api/v1/review-queue/{task}/claim?itemVersion={now}", null)).StatusCode);
    }

    /// <summary>
    /// A correction the associate saves while the item waits for review, raising no review reason of its own, is what
    /// the supervisor decides on: the open task follows the item's current grade, and the item stays in review. The task
    /// kept pointing at the replaced grade, the item became Graded, and "Approve grader's grade" (and a bulk approval)
    /// stored the replaced grade as final, undoing the correction (exploratory pass, 2026-12-05).
    /// </summary>
    [Fact]
    public async Task ACorrectionWhileInReview_IsWhatTheTaskDecides_AndTheItemStaysInReview()
    {
        var id = (await _grader.CreateItemAsync(ApiJson.UniquePlate("RC"), 20m)).GetProperty("id").GetString()!; // low value: no reason but the flag
        Assert.Equal(HttpStatusCode.Created, (await _grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "Good", disposition = "resell_used", flagForReview = true })).StatusCode);
        var queued = await (await _grader.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        var task = Guid.Parse(queued.GetProperty("reviews")[0].GetProperty("taskId").GetString()!);

        var corrected = await _grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", new
        {
            grade = "Good", disposition = "refurbish", notes = "box opened, parts inside", itemVersion = queued.GetProperty("version").GetString(),
        });

        Assert.Equal(HttpStatusCode.Created, corrected.StatusCode);
        var item = await (await _grader.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        Assert.Equal("InReview", item.GetProperty("status").GetString());
        var open = Assert.Single(item.GetProperty("reviews").EnumerateArray(), r => r.GetProperty("status").GetString() == "Open");
        Assert.Equal(task.ToString(), open.GetProperty("taskId").GetString());
        var view = await _app.Services.GetRequiredService<Web.Features.Review.ReviewDesk>().FindAsync(task, CancellationToken.None);
        Assert.Equal(item.GetProperty("currentDecisionId").GetGuid(), view!.TriggerDecisionId);

        Assert.Equal(HttpStatusCode.OK, (await _supervisor.PostAsync($"/api/v1/review-queue/{task}/claim", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision",
            new { grade = "Good", disposition = "refurbish", reasonCode = "approved" })).StatusCode);
        var final = (await (await _supervisor.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("decisions").EnumerateArray()
            .Single(d => d.GetProperty("kind").GetString() == "Review");
        Assert.Equal(("Review", "refurbish"), (final.GetProperty("kind").GetString(), final.GetProperty("disposition").GetString()));
    }

    [Fact]
    public async Task History_ShowsAReviewOnlyOnTheGradeItDecided_NotOnAnEarlierReplacedOne()
    {
        var (id, _) = await QueuedItemAsync(); // graded Good (high value: in review)
        // The associate corrects their own grade before a supervisor looks: the Good grade is replaced.
        var corrected = await _grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade",
            new { grade = "VeryGood", disposition = "restock", damage = new[] { new { type = "scratch" } } });
        Assert.Equal(HttpStatusCode.Created, corrected.StatusCode);
        var task = (await (await _grader.GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync()).GetProperty("reviews").EnumerateArray()
            .Single(r => r.GetProperty("status").GetString() == "Open").GetProperty("taskId").GetString();
        Assert.Equal(HttpStatusCode.OK, (await _supervisor.PostAsync($"/api/v1/review-queue/{task}/claim", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision",
            new { grade = "VeryGood", disposition = "restock", damage = new[] { new { type = "scratch" } }, reasonCode = "approved" })).StatusCode);

        var history = await _app.Services.GetRequiredService<Web.Features.Review.ReviewDesk>().HistoryAsync("apikey:dev-grader", 500, CancellationToken.None);
        var mine = history.Where(h => h.ItemId == Guid.Parse(id)).ToList(); // the fake clock gives both the same time
        var replaced = Assert.Single(mine, h => h.MyGrade == Web.Data.Grade.Good);
        var current = Assert.Single(mine, h => h.MyGrade == Web.Data.Grade.VeryGood);

        Assert.Null(replaced.ReviewedGrade); // the replaced Good grade was never approved
        Assert.False(replaced.StillCurrent);
        Assert.Equal(Web.Data.Grade.VeryGood, current.ReviewedGrade);
        Assert.Equal("approved", current.ReviewReasonCode);
    }

    [Fact]
    public async Task Queue_IsForSupervisors_SortedByPriority()
    {
        var (_, cheap) = await QueuedItemAsync(600m);
        var (_, dear) = await QueuedItemAsync(60_000m);

        var forbidden = await _grader.GetAsync("/api/v1/review-queue");
        var queue = await (await _supervisor.GetAsync("/api/v1/review-queue")).ReadJsonAsync();

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        var ids = queue.EnumerateArray().Select(t => t.GetProperty("taskId").GetString()).ToList();
        Assert.True(ids.IndexOf(dear) < ids.IndexOf(cheap), "the dearer item comes first");
        var first = queue[0];
        foreach (var field in new[] { "taskId", "itemId", "returnId", "reasons", "priority", "createdAt", "claimedBy" })
        {
            Assert.True(first.TryGetProperty(field, out _), $"queue entries carry {field}");
        }
    }

    [Fact]
    public async Task Claim_LeasesTheTask_OthersAreRefusedUntilTheLeaseExpires()
    {
        var (_, task) = await QueuedItemAsync();

        var claimed = await _supervisor.PostAsync($"/api/v1/review-queue/{task}/claim", null);
        var second = await _admin.PostAsync($"/api/v1/review-queue/{task}/claim", null);
        var decideWithoutLease = await _admin.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision", Override());
        _app.Clock.Advance(TimeSpan.FromMinutes(16)); // default lease: 15 minutes
        var afterExpiry = await _admin.PostAsync($"/api/v1/review-queue/{task}/claim", null);
        var staleDecision = await _supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision", Override());

        Assert.Equal(HttpStatusCode.OK, claimed.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains("reviewing this item", (await second.ReadJsonAsync()).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Conflict, decideWithoutLease.StatusCode);
        Assert.Equal(HttpStatusCode.OK, afterExpiry.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, staleDecision.StatusCode);
    }

    [Fact]
    public async Task Decision_OnAnItemGradedAgainAfterTheClaim_IsRefusedNotOverwritten()
    {
        var (item, task) = await QueuedItemAsync();
        await _supervisor.PostAsync($"/api/v1/review-queue/{task}/claim", null);
        Assert.Equal(HttpStatusCode.Created, (await _grader.PostAsJsonAsync($"/api/v1/returns/{item}/grade", new { grade = "VeryGood", disposition = "resell_used", damage = new[] { new { type = "scratch" } } })).StatusCode);

        var decision = await _supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision", Override());

        Assert.Equal(HttpStatusCode.Conflict, decision.StatusCode);
        Assert.Contains("graded again", (await decision.ReadJsonAsync()).GetProperty("detail").GetString());
        var details = await (await _grader.GetAsync($"/api/v1/returns/{item}")).ReadJsonAsync();
        Assert.Equal("VeryGood", details.GetProperty("decisions").EnumerateArray().Last().GetProperty("grade").GetString());
    }

    [Fact]
    public async Task SupervisorsDecision_IsTheFinalLabel_AndTheStationCannotOverwriteIt()
    {
        var (item, task) = await QueuedItemAsync();
        await _supervisor.PostAsync($"/api/v1/review-queue/{task}/claim", null);

        var decision = await _supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision", Override());
        var laterStationGrade = await _grader.PostAsJsonAsync($"/api/v1/returns/{item}/grade", new { grade = "LikeNew", disposition = "restock" });

        Assert.Equal(HttpStatusCode.Created, decision.StatusCode);
        var body = await decision.ReadJsonAsync();
        Assert.Equal("Review", body.GetProperty("kind").GetString());
        Assert.Equal("missed_damage", body.GetProperty("reasonCode").GetString());
        Assert.Equal(HttpStatusCode.Conflict, laterStationGrade.StatusCode);
        var refusal = await laterStationGrade.ReadJsonAsync();
        Assert.Equal("The grade is final", refusal.GetProperty("title").GetString()); // not "changed by someone else"
        Assert.Equal("item_final", refusal.GetProperty("reason").GetString());
        var details = await (await _grader.GetAsync($"/api/v1/returns/{item}")).ReadJsonAsync();
        Assert.Equal("Final", details.GetProperty("status").GetString());
        Assert.Equal("Decided", details.GetProperty("reviews")[0].GetProperty("status").GetString());
        Assert.Equal(body.GetProperty("id").GetString(), details.GetProperty("currentDecisionId").GetString());
        Assert.Equal(2, details.GetProperty("decisions").GetArrayLength()); // the grader's decision is kept, superseded
        var queue = await (await _supervisor.GetAsync("/api/v1/review-queue")).ReadJsonAsync();
        Assert.DoesNotContain(queue.EnumerateArray(), t => t.GetProperty("taskId").GetString() == task);
    }

    [Fact]
    public async Task Decision_WithoutAReasonCode_IsAValidationProblem()
    {
        var (_, task) = await QueuedItemAsync();
        await _supervisor.PostAsync($"/api/v1/review-queue/{task}/claim", null);

        var response = await _supervisor.PostAsJsonAsync($"/api/v1/review-queue/{task}/decision", new { grade = "Good", disposition = "resell_used" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("reasonCode", out _));
    }

    [Fact]
    public async Task Queue_ShowsAgeAgainstTheTarget()
    {
        var (_, task) = await QueuedItemAsync();
        _app.Clock.Advance(TimeSpan.FromHours(9)); // target: 8 hours

        var queue = await (await _supervisor.GetAsync("/api/v1/review-queue?minAgeHours=9")).ReadJsonAsync();

        var entry = queue.EnumerateArray().Single(t => t.GetProperty("taskId").GetString() == task);
        Assert.True(entry.GetProperty("overTarget").GetBoolean());
        Assert.True(entry.GetProperty("ageHours").GetDouble() >= 9);
    }
}
