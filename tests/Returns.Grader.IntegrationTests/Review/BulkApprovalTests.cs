using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Returns.Grader.TestSupport;

namespace Returns.Grader.IntegrationTests.Review;

/// <summary>
/// Bulk approval (issue 17) through the real API and the shipped model: only open tasks where the model's suggestion,
/// the grader's grade and the rubric agree are approved, each as a supervisor's "approved" final label; the others stay
/// in the queue with the reason.
/// </summary>
public sealed class BulkApprovalTests(GraderAppFactory app) : IClassFixture<GraderAppFactory>
{
    private static readonly byte[] LikeNewSample = File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "models", "samples", "01-likenew.jpg"));

    /// <summary>A high-value item (so it is reviewed) with the sample photo the shipped model calls Like new, graded as given.</summary>
    private Task<(string ItemId, string TaskId)> ReviewedItemAsync(object grade) => ReviewedItemAsync(app, grade, "dev-grader");

    private static async Task<(string ItemId, string TaskId)> ReviewedItemAsync(GraderAppFactory app, object grade, string gradedBy)
    {
        var grader = app.ApiClient(gradedBy);
        var id = (await grader.CreateItemAsync(ApiJson.UniquePlate("BULK"), unitValue: 900m)).GetProperty("id").GetString()!;
        var upload = await grader.PostAsync($"/api/v1/returns/{id}/photos", ApiJson.PhotoForm(("likenew.jpg", LikeNewSample, "image/jpeg")));
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await grader.PostAsJsonAsync($"/api/v1/returns/{id}/grade", grade)).StatusCode);
        var item = await (await app.ApiClient("dev-supervisor").GetAsync($"/api/v1/returns/{id}")).ReadJsonAsync();
        Assert.Equal("LikeNew", item.GetProperty("suggestion").GetProperty("grade").GetString()); // the premise, said plainly
        return (id, item.GetProperty("reviews")[0].GetProperty("taskId").GetString()!);
    }

    [Fact]
    public async Task OnlyAgreeingUnflaggedTasks_AreApproved_AndTheRestStayWithTheirReason()
    {
        var agreeing = await ReviewedItemAsync(new { grade = "LikeNew", disposition = "restock" });
        var disagreeing = await ReviewedItemAsync(new { grade = "Good", disposition = "resell_used", contradictionReason = "worn box" });
        var flagged = await ReviewedItemAsync(new { grade = "LikeNew", disposition = "restock", flagForReview = true });
        // Everyone agrees on the grade, but the grader chose a disposition the site's rules do not give for it: a bulk
        // approval made it final unseen (the model suggests no disposition, so grade agreement says nothing about it).
        var otherDisposition = await ReviewedItemAsync(new { grade = "LikeNew", disposition = "donate" });
        var supervisor = app.ApiClient("dev-supervisor");

        var queue = await (await supervisor.GetAsync("/api/v1/review-queue")).ReadJsonAsync();
        bool Approvable(string taskId) => queue.EnumerateArray().Single(e => e.GetProperty("taskId").GetString() == taskId).GetProperty("bulkApprovable").GetBoolean();
        Assert.True(Approvable(agreeing.TaskId));
        Assert.False(Approvable(disagreeing.TaskId));
        Assert.False(Approvable(flagged.TaskId));
        Assert.False(Approvable(otherDisposition.TaskId));

        var unknown = Guid.NewGuid().ToString();
        var response = await supervisor.PostAsJsonAsync("/api/v1/review-queue/approve-agreeing",
            new { taskIds = new[] { agreeing.TaskId, disagreeing.TaskId, flagged.TaskId, otherDisposition.TaskId, unknown } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.ReadJsonAsync();
        Assert.Equal([agreeing.TaskId], result.GetProperty("approved").EnumerateArray().Select(t => t.GetString()));
        var skipped = result.GetProperty("skipped");
        Assert.Contains("do not all agree", skipped.GetProperty(disagreeing.TaskId).GetString(), StringComparison.Ordinal);
        Assert.Contains("asked for a look", skipped.GetProperty(flagged.TaskId).GetString(), StringComparison.Ordinal);
        Assert.Equal("The grader chose Donate where the site's rules say Restock: review it on its own.", skipped.GetProperty(otherDisposition.TaskId).GetString());
        Assert.Contains("no such review task", skipped.GetProperty(unknown).GetString(), StringComparison.Ordinal);

        var approvedItem = await (await supervisor.GetAsync($"/api/v1/returns/{agreeing.ItemId}")).ReadJsonAsync();
        Assert.Equal("Final", approvedItem.GetProperty("status").GetString());
        var final = approvedItem.GetProperty("decisions").EnumerateArray().Last();
        Assert.Equal(("Review", "LikeNew", "approved"), (final.GetProperty("kind").GetString(), final.GetProperty("grade").GetString(), final.GetProperty("reasonCode").GetString()));
        Assert.Equal("InReview", (await (await supervisor.GetAsync($"/api/v1/returns/{disagreeing.ItemId}")).ReadJsonAsync()).GetProperty("status").GetString());

        // a second run approves nothing twice
        var again = await (await supervisor.PostAsJsonAsync("/api/v1/review-queue/approve-agreeing", new { taskIds = new[] { agreeing.TaskId } })).ReadJsonAsync();
        Assert.Empty(again.GetProperty("approved").EnumerateArray());
        Assert.Equal("Already decided.", again.GetProperty("skipped").GetProperty(agreeing.TaskId).GetString());
    }

    /// <summary>
    /// The agreement bulk approval goes by is the one the grade was given with; a photo kept after the grade (here one the
    /// model calls Unsellable) was seen by nobody, and the final label covers it: such a task is left for a review of its
    /// own, in the queue and in the approval (API fuzz, 2026-12-06: the damaged photo was exported as LikeNew).
    /// </summary>
    [Fact]
    public async Task ATaskWhoseItemGotAPhotoAfterItsGrade_IsNotApprovedInBulk()
    {
        var (itemId, taskId) = await ReviewedItemAsync(new { grade = "LikeNew", disposition = "restock" });
        var unsellable = File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "models", "samples", "08-unsellable.jpg"));
        Assert.Equal(HttpStatusCode.Created, (await app.ApiClient().PostAsync($"/api/v1/returns/{itemId}/photos",
            ApiJson.PhotoForm(("later.jpg", unsellable, "image/jpeg")))).StatusCode);
        var supervisor = app.ApiClient("dev-supervisor");

        var queue = await (await supervisor.GetAsync("/api/v1/review-queue")).ReadJsonAsync();
        Assert.False(queue.EnumerateArray().Single(e => e.GetProperty("taskId").GetString() == taskId).GetProperty("bulkApprovable").GetBoolean());
        var result = await (await supervisor.PostAsJsonAsync("/api/v1/review-queue/approve-agreeing", new { taskIds = new[] { taskId } })).ReadJsonAsync();

        Assert.Empty(result.GetProperty("approved").EnumerateArray());
        Assert.StartsWith("A photo came after the grade", result.GetProperty("skipped").GetProperty(taskId).GetString(), StringComparison.Ordinal);
        Assert.Equal("InReview", (await (await supervisor.GetAsync($"/api/v1/returns/{itemId}")).ReadJsonAsync()).GetProperty("status").GetString());
    }

    /// <summary>
    /// A photo set aside after the grade (ADR 0052: it shows another item) may be what the grade rested on: such a task is
    /// left for a review of its own, in the queue and in the approval, as for a photo kept after the grade.
    /// </summary>
    [Fact]
    public async Task ATaskWhoseItemHadAPhotoSetAsideAfterItsGrade_IsNotApprovedInBulk()
    {
        var (itemId, taskId) = await ReviewedItemAsync(new { grade = "LikeNew", disposition = "restock" });
        var photoId = (await (await app.ApiClient().GetAsync($"/api/v1/returns/{itemId}")).ReadJsonAsync()).GetProperty("photos")[0].GetProperty("photoId").GetString();
        var supervisor = app.ApiClient("dev-supervisor");
        var before = await (await supervisor.GetAsync("/api/v1/review-queue")).ReadJsonAsync();
        Assert.True(before.EnumerateArray().Single(e => e.GetProperty("taskId").GetString() == taskId).GetProperty("bulkApprovable").GetBoolean(), "the premise: approvable before");
        Assert.Equal(HttpStatusCode.OK, (await app.ApiClient().PutAsJsonAsync($"/api/v1/photos/{photoId}/set-aside", new { reason = "wrong_item" })).StatusCode);

        var queue = await (await supervisor.GetAsync("/api/v1/review-queue")).ReadJsonAsync();
        Assert.False(queue.EnumerateArray().Single(e => e.GetProperty("taskId").GetString() == taskId).GetProperty("bulkApprovable").GetBoolean());
        var result = await (await supervisor.PostAsJsonAsync("/api/v1/review-queue/approve-agreeing", new { taskIds = new[] { taskId } })).ReadJsonAsync();

        Assert.Empty(result.GetProperty("approved").EnumerateArray());
        Assert.Contains("set aside", result.GetProperty("skipped").GetProperty(taskId).GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// A grade the station prefilled from the model and the grader left as it was, approved in bulk (nobody looked at the
    /// photo), stays "prefilled" in the final label; one the grader chose stays chosen. The bulk approval stored every
    /// final label as chosen, so exports and model comparisons took the model's own answers for a person's (review of the
    /// review desk, 2026-12-06).
    /// </summary>
    [Fact]
    public async Task ABulkApprovalOfAPrefilledGrade_KeepsItPrefilled()
    {
        var prefilled = await ReviewedItemAsync(new { grade = "LikeNew", disposition = "restock", gradePrefilled = true, dispositionPrefilled = true });
        var chosen = await ReviewedItemAsync(new { grade = "LikeNew", disposition = "restock" });
        var supervisor = app.ApiClient("dev-supervisor");

        var result = await (await supervisor.PostAsJsonAsync("/api/v1/review-queue/approve-agreeing",
            new { taskIds = new[] { prefilled.TaskId, chosen.TaskId } })).ReadJsonAsync();

        Assert.Equal(2, result.GetProperty("approved").GetArrayLength());
        async Task<JsonElement> FinalOf(string itemId) =>
            (await (await supervisor.GetAsync($"/api/v1/returns/{itemId}")).ReadJsonAsync()).GetProperty("decisions").EnumerateArray().Last();
        var fromPrefilled = await FinalOf(prefilled.ItemId);
        Assert.Equal(("Review", true, true), (fromPrefilled.GetProperty("kind").GetString(), fromPrefilled.GetProperty("gradePrefilled").GetBoolean(), fromPrefilled.GetProperty("dispositionPrefilled").GetBoolean()));
        var fromChosen = await FinalOf(chosen.ItemId);
        Assert.Equal(("Review", false), (fromChosen.GetProperty("kind").GetString(), fromChosen.GetProperty("gradePrefilled").GetBoolean()));
    }

    [Fact]
    public async Task ARandomAudit_AndTheSupervisorsOwnGrade_AreLeftForAReviewOfTheirOwn()
    {
        // Every grade audited: an audit's point is a supervisor's own look at a grade nobody doubted, which a bulk
        // approval of "everyone agrees" would skip (exploratory pass, 2026-12-05: it did).
        await using var audited = new GraderAppFactory { Settings = { ["Grader:Review:AuditShare"] = "1" } };
        var audit = await ReviewedItemAsync(audited, new { grade = "LikeNew", disposition = "restock" }, "dev-grader");
        var supervisor = audited.ApiClient("dev-supervisor");
        var queue = await (await supervisor.GetAsync("/api/v1/review-queue")).ReadJsonAsync();
        Assert.False(queue.EnumerateArray().Single(e => e.GetProperty("taskId").GetString() == audit.TaskId).GetProperty("bulkApprovable").GetBoolean());
        var auditResult = await (await supervisor.PostAsJsonAsync("/api/v1/review-queue/approve-agreeing", new { taskIds = new[] { audit.TaskId } })).ReadJsonAsync();
        Assert.Empty(auditResult.GetProperty("approved").EnumerateArray());
        Assert.Contains("random audit", auditResult.GetProperty("skipped").GetProperty(audit.TaskId).GetString(), StringComparison.Ordinal);

        // A supervisor who graded the item at a station does not approve their own grade as the final label in bulk.
        var own = await ReviewedItemAsync(app, new { grade = "LikeNew", disposition = "restock" }, "dev-supervisor");
        var ownResult = await (await app.ApiClient("dev-supervisor").PostAsJsonAsync("/api/v1/review-queue/approve-agreeing", new { taskIds = new[] { own.TaskId } })).ReadJsonAsync();
        Assert.Empty(ownResult.GetProperty("approved").EnumerateArray());
        Assert.Contains("graded it yourself", ownResult.GetProperty("skipped").GetProperty(own.TaskId).GetString(), StringComparison.Ordinal);
        var byAnother = await (await app.ApiClient("dev-admin").PostAsJsonAsync("/api/v1/review-queue/approve-agreeing", new { taskIds = new[] { own.TaskId } })).ReadJsonAsync();
        Assert.Equal([own.TaskId], byAnother.GetProperty("approved").EnumerateArray().Select(t => t.GetString()));
    }

    /// <summary>
    /// The database refuses the approvals: the answer says which tasks were not approved and why, and none of them is
    /// left claimed by the approver (a failed save left the task held for the whole lease, and the answer was a bare
    /// error; eighteenth session's open list). Once the database takes writes again they are approved.
    /// </summary>
    [Fact]
    public async Task WhenTheDatabaseRefusesTheApprovals_TheTasksAreLetGo_AndTheAnswerSaysSo()
    {
        var first = await ReviewedItemAsync(new { grade = "LikeNew", disposition = "restock", dispositionPrefilled = true });
        var second = await ReviewedItemAsync(new { grade = "LikeNew", disposition = "restock" });
        var supervisor = app.ApiClient("dev-supervisor");
        var ids = new[] { first.TaskId, second.TaskId };

        JsonElement refused;
        await using (await RefusedWrites.OnAsync(app.DatabasePath, "GradeDecisions"))
        {
            var response = await supervisor.PostAsJsonAsync("/api/v1/review-queue/approve-agreeing", new { taskIds = ids });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            refused = await response.ReadJsonAsync();
        }

        Assert.Empty(refused.GetProperty("approved").EnumerateArray());
        Assert.All(ids, id => Assert.StartsWith("Not approved: the database", refused.GetProperty("skipped").GetProperty(id).GetString(), StringComparison.Ordinal));
        var queue = await (await supervisor.GetAsync("/api/v1/review-queue")).ReadJsonAsync();
        Assert.All(ids, id => Assert.Equal(JsonValueKind.Null,
            queue.EnumerateArray().Single(e => e.GetProperty("taskId").GetString() == id).GetProperty("claimedBy").ValueKind));
        var again = await (await app.ApiClient("dev-admin").PostAsJsonAsync("/api/v1/review-queue/approve-agreeing", new { taskIds = ids })).ReadJsonAsync();
        Assert.Equal(ids.Order(), again.GetProperty("approved").EnumerateArray().Select(t => t.GetString()!).Order());
        // an approval keeps the grader's disposition as it was stored: filled in by the rules stays filled in (diff review)
        async Task<bool> FinalDispositionPrefilled(string itemId)
        {
            var item = await (await supervisor.GetAsync($"/api/v1/returns/{itemId}")).ReadJsonAsync();
            var current = item.GetProperty("currentDecisionId").GetString();
            return item.GetProperty("decisions").EnumerateArray().Single(d => d.GetProperty("id").GetString() == current).GetProperty("dispositionPrefilled").GetBoolean();
        }
        Assert.True(await FinalDispositionPrefilled(first.ItemId));
        Assert.False(await FinalDispositionPrefilled(second.ItemId));
    }

    /// <summary>The database refuses the claim itself: the answer still lists the task as not approved (the claim's
    /// failure escaped as a bare error; diff review), and nothing is left claimed.</summary>
    [Fact]
    public async Task WhenTheDatabaseRefusesTheClaim_TheAnswerSaysSo()
    {
        var task = await ReviewedItemAsync(new { grade = "LikeNew", disposition = "restock" });
        var supervisor = app.ApiClient("dev-supervisor");

        JsonElement refused;
        await using (await RefusedWrites.OnAsync(app.DatabasePath, "ReviewTasks", "UPDATE"))
        {
            var response = await supervisor.PostAsJsonAsync("/api/v1/review-queue/approve-agreeing", new { taskIds = new[] { task.TaskId } });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            refused = await response.ReadJsonAsync();
        }

        Assert.Empty(refused.GetProperty("approved").EnumerateArray());
        Assert.StartsWith("Not approved: the database", refused.GetProperty("skipped").GetProperty(task.TaskId).GetString(), StringComparison.Ordinal);
        var queue = await (await supervisor.GetAsync("/api/v1/review-queue")).ReadJsonAsync();
        Assert.Equal(JsonValueKind.Null, queue.EnumerateArray().Single(e => e.GetProperty("taskId").GetString() == task.TaskId).GetProperty("claimedBy").ValueKind);
    }

    [Fact]
    public async Task NoTasks_OrTooMany_OrAGrader_AreRefused()
    {
        var supervisor = app.ApiClient("dev-supervisor");
        foreach (var count in new[] { 0, 101 })
        {
            var bad = await supervisor.PostAsJsonAsync("/api/v1/review-queue/approve-agreeing", new { taskIds = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()) });
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            var problem = await bad.ReadJsonAsync();
            Assert.Contains("from 1 to 100", problem.GetProperty("errors").GetProperty("taskIds")[0].GetString(), StringComparison.Ordinal);
            Assert.Equal("The request is not valid", problem.GetProperty("title").GetString()); // was "The grade is not valid"
        }
        var grader = await app.ApiClient().PostAsJsonAsync("/api/v1/review-queue/approve-agreeing", new { taskIds = new[] { Guid.NewGuid() } });
        Assert.Equal(HttpStatusCode.Forbidden, grader.StatusCode);
    }
}
