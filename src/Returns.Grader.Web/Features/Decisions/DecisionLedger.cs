using System.Linq.Expressions;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Grading;
using Returns.Grader.Web.Features.Models;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Decisions;

/// <summary>
/// The one writer of grade decisions (ADR 0027): the station, the API and the review desk call it, nothing else adds a
/// decision. Decisions are append-only: a correction is a new decision that supersedes the item's current one. The item's
/// current decision and status, the review routing and the dashboard's daily counts move in the same transaction, guarded
/// by the item's version.
/// </summary>
public sealed class DecisionLedger(
    IDbContextFactory<GraderDb> dbFactory,
    RubricCatalog rubrics,
    IOptionsMonitor<DispositionOptions> dispositions,
    ModelRegistry models,
    IOptionsMonitor<ReviewOptions> review,
    TimeProvider clock)
{
    public const int NotesMaxLength = 2000;
    public const int ReasonMaxLength = 500;

    /// <summary>
    /// Damage entries one decision may carry (marked, accepted, edited and deleted regions together). A station sends
    /// fewer than 20; the limit keeps one request from writing thousands of rows.
    /// </summary>
    public const int MaxDamageEntries = 200;

    public Rubric Rubric => rubrics.Active;

    public Disposition SuggestDisposition(Grade grade, string category) => DispositionSuggester.Suggest(dispositions.CurrentValue, grade, category);

    /// <summary>A grade from the station or the API: appended, routed to review when a reason holds.</summary>
    public async Task<DecisionSummary> DecideAsync(Guid itemId, GradeRequest request, Actor actor, CancellationToken cancellationToken) =>
        (await DecideOrReplayAsync(itemId, request, actor, cancellationToken)).Decision;

    /// <summary>
    /// <see cref="DecideAsync"/>, saying whether the grade was a replay: the same person sending the item's current grade
    /// again, word for word, with no photo kept since, gets that decision back and nothing is appended. A client that
    /// resent a grade after a timeout stored a second decision, counted twice on the quality page (API pass, 2026-12-05);
    /// the station already leaves an unchanged grade unsaved (ADR 0034).
    /// </summary>
    public async Task<(DecisionSummary Decision, bool Replayed)> DecideOrReplayAsync(Guid itemId, GradeRequest request, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var item = await db.ReturnItems.SingleOrDefaultAsync(i => i.Id == itemId, cancellationToken) ?? throw new ItemNotFoundException(itemId);
        var decision = await BuildDecisionAsync(db, item, request, actor, reasonCode: null, cancellationToken);
        if (item.Status == ItemStatus.Final)
        {
            throw new ItemFinalException(item.ReturnId);
        }
        await SettleCorrectionPrefillsAsync(db, item, decision, cancellationToken);
        if (await SameAsCurrentAsync(db, item, decision, cancellationToken) is { } current)
        {
            // Before the version check: a retry of a grade whose answer was lost carries the version read before that
            // grade, which the grade itself changed, and was refused as "changed by someone else" (review, 2026-12-06).
            return (DecisionSummary.Of(current), true);
        }
        if (request.ItemVersion is { } expected && expected != item.Version)
        {
            throw new ConcurrencyConflictException(
                // What changed, not who: a photo set aside or a grade from the caller's own other tab read as "someone else"
                // (two-node pass, 2026-12-07).
                $"Item {item.ReturnId} changed after you opened it (graded again, or a photo added, set aside or put back). Open it again to see it as it is now.");
        }

        var suggestion = await Suggestions.LoadForItemAsync(db, item.Id, rubrics.Active, models, cancellationToken);
        decision.Kind = item.CurrentDecisionId is null ? DecisionKind.Station : DecisionKind.Correction;
        decision.SuggestedByModel = suggestion?.ModelVersion;
        decision.SuggestedGrade = suggestion?.Grade;
        decision.Blind = suggestion is not null && ReviewRouter.IsBlind(item.Id, review.CurrentValue.BlindShare);
        // The warnings the item's photos carry are shown at the station with the photos: a grade given despite them says so.
        var warnings = (await db.Photos.AsNoTracking().Where(p => p.ReturnItemId == item.Id && p.QualityWarnings != null && p.SetAsideReason == null)
                .Select(p => p.QualityWarnings!).ToListAsync(cancellationToken))
            .SelectMany(w => w.Split(',')).Distinct().Order(StringComparer.Ordinal).ToList();
        decision.PhotoWarnings = warnings.Count > 0 ? string.Join(',', warnings) : null;
        Append(db, item, decision, ItemStatus.Graded);
        var counts = new QualityCountChanges();
        counts.AddStation(new StationFacts(decision.DecidedAt, item.Category, (double)item.UnitValue, decision.ActorId, decision.ActorName,
            decision.SuggestedByModel, decision.Grade, decision.SuggestedGrade, decision.Blind, decision.GradePrefilled));
        if (decision.Kind == DecisionKind.Correction)
        {
            var replaced = await db.GradeDecisions.AsNoTracking().Where(d => d.Id == decision.SupersedesId)
                .Select(d => new StationFacts(d.DecidedAt, item.Category, (double)item.UnitValue, d.ActorId, d.ActorName, d.SuggestedByModel, d.Grade, d.SuggestedGrade, d.Blind,
                    d.GradePrefilled))
                .SingleAsync(cancellationToken);
            counts.RemoveReplacedStation(replaced);
        }

        var reasons = ReviewRouter.Reasons(decision, item.UnitValue, suggestion, review.CurrentValue);
        // A correction while the item waits for review is what the supervisor decides on, reasons of its own or not: the
        // open task follows it (and the item stays in review). Left on the replaced grade, an approval stored that grade
        // as final and undid the correction (exploratory pass, 2026-12-05).
        await OpenReviewAsync(db, item, decision, reasons, counts, cancellationToken);
        try
        {
            await SaveAsync(db, item, decision, counts, cancellationToken);
        }
        catch (ConcurrencyConflictException)
        {
            // Another copy of this very grade was stored first (a retry that overtook the first try, or reached another
            // node): that copy is this decision, not someone else's change (two-node pass, 2026-12-05: 409 for one's own grade).
            await using var again = await dbFactory.CreateDbContextAsync(cancellationToken);
            var stillThere = await again.ReturnItems.AsNoTracking().SingleAsync(i => i.Id == itemId, cancellationToken);
            if (await SameAsCurrentAsync(again, stillThere, decision, cancellationToken) is { } stored)
            {
                return (DecisionSummary.Of(stored), true);
            }
            throw;
        }
        return (DecisionSummary.Of(decision), false);
    }

    /// <summary>The item's current decision when <paramref name="candidate"/> says exactly what it says, by the same person, with no photo kept since; else null.</summary>
    private static async Task<GradeDecision?> SameAsCurrentAsync(GraderDb db, ReturnItem item, GradeDecision candidate, CancellationToken cancellationToken)
    {
        if (item.CurrentDecisionId is not { } currentId)
        {
            return null;
        }
        var current = await db.GradeDecisions.AsNoTracking().Include(d => d.Damage).SingleAsync(d => d.Id == currentId, cancellationToken);
        var same = (current.Kind == DecisionKind.Review) == (candidate.Kind == DecisionKind.Review) && SaysTheSame(current, candidate);
        // A photo kept after the grade makes the same words a new label: it covers that photo too.
        return same && !await db.GradeDecisions.Where(d => d.Id == currentId).AnyAsync(PhotosChangedSince(db), cancellationToken) ? current : null;
    }

    /// <summary>
    /// A photo of the decision's item was kept after it was given (nobody looked at that photo with that grade, and a label
    /// given now would cover it: ADR 0038), or one it was given with has been set aside since (the grade may rest on a
    /// photo of another item) or put back since (it was given without it: ADR 0052). One rule for a replay (<see cref="SameAsCurrentAsync"/>) and for bulk approval's
    /// queue and approval (ReviewDesk); translated to SQL, also inside a larger query.
    /// </summary>
    public static Expression<Func<GradeDecision, bool>> PhotosChangedSince(GraderDb db) =>
        d => db.Photos.Any(p => p.ReturnItemId == d.ReturnItemId && ((p.CountedSince ?? p.UploadedAt) > d.DecidedAt || p.SetAsideAt > d.DecidedAt));

    /// <summary>The same person's same words: grade, disposition, what was prefilled, notes, reasons, flag and every box.</summary>
    private static bool SaysTheSame(GradeDecision current, GradeDecision candidate)
    {
        static string Regions(IEnumerable<DamageRegion> damage) => string.Join(';',
            damage.Select(r => $"{r.PhotoId}|{r.Type}|{r.X},{r.Y},{r.Width},{r.Height}|{r.Source}").Order(StringComparer.Ordinal));
        return current.ActorId == candidate.ActorId
            && current.Grade == candidate.Grade && current.Disposition == candidate.Disposition
            && current.GradePrefilled == candidate.GradePrefilled && current.DispositionPrefilled == candidate.DispositionPrefilled
            && current.Notes == candidate.Notes && current.ContradictionReason == candidate.ContradictionReason
            && current.ReasonCode == candidate.ReasonCode && current.FlaggedForReview == candidate.FlaggedForReview
            && Regions(current.Damage) == Regions(candidate.Damage);
    }

    /// <summary>
    /// The supervisor's decision: needs their live lease and an item nobody changed since the claim; it becomes the
    /// item's final label (a new decision superseding the grader's, nothing overwritten).
    /// </summary>
    public async Task<DecisionSummary> DecideReviewAsync(Guid taskId, ReviewDecisionRequest request, Actor actor, CancellationToken cancellationToken) =>
        (await DecideReviewOrReplayAsync(taskId, request, actor, cancellationToken)).Decision;

    /// <summary>
    /// <see cref="DecideReviewAsync"/>, saying whether it was a replay: the supervisor who decided the task sending the
    /// same decision again (a retry after a timeout, or a copy at the same moment) gets that decision back, not "already
    /// decided" (two-node pass, 2026-12-05), as a grader's resent grade does (ADR 0038).
    /// </summary>
    public async Task<(DecisionSummary Decision, bool Replayed)> DecideReviewOrReplayAsync(Guid taskId, ReviewDecisionRequest request, Actor actor, CancellationToken cancellationToken)
    {
        try
        {
            return (await DecideReviewOnceAsync(taskId, request, actor, cancellationToken), false);
        }
        catch (Exception e) when (e is ConcurrencyConflictException or ItemRegradedSinceClaimException)
        {
            // A copy of this decision got there first: which refusal the later copy meets depends on the moment it read
            // the task and the item, so each is looked at again the same way.
            var stored = await StoredCopyOfAsync(taskId, request, actor, cancellationToken);
            if (stored is null)
            {
                throw;
            }
            return (stored, true);
        }
    }

    private async Task<DecisionSummary> DecideReviewOnceAsync(Guid taskId, ReviewDecisionRequest request, Actor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(actor);
        if (request.ReasonCode is null || !ReviewReasonCodes.All.Contains(request.ReasonCode))
        {
            throw new GradeValidationException(new Dictionary<string, string[]>
            {
                ["reasonCode"] = [$"Give a reason code: one of {string.Join(", ", ReviewReasonCodes.All)}."],
            });
        }
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var task = await db.ReviewTasks.SingleOrDefaultAsync(t => t.Id == taskId, cancellationToken) ?? throw new ReviewTaskNotFoundException(taskId);
        var item = await db.ReturnItems.SingleAsync(i => i.Id == task.ReturnItemId, cancellationToken);
        if (task.Status != ReviewStatus.Open)
        {
            throw new ConcurrencyConflictException("This review has already been decided.", "Already decided");
        }
        if (task.GradedById == actor.Id)
        {
            // before the lease: "claim it first" sent the grader of the grade to a claim that is refused (regression pass)
            throw new OwnGradeReviewException(item.ReturnId);
        }
        if (task.ClaimedById != actor.Id || !(task.LeaseExpiresAt > now))
        {
            // Three cases, each said as it is (review-desk pass: a task nobody had claimed answered " is reviewing this
            // item", an empty name, and one whose other claim had lapsed "Your claim has expired" to someone who never had one).
            throw task.ClaimedById == actor.Id
                ? new ConcurrencyConflictException("Your claim on this item has expired. Claim it again to decide.", "Your claim ended")
                : task.ClaimedById is not null && task.LeaseExpiresAt > now
                    ? new ConcurrencyConflictException($"{task.ClaimedByName} is reviewing this item; wait for them, or claim it once their claim ends.", "Claimed by someone else")
                    : new ConcurrencyConflictException("Claim this item first (the Review button, or POST /api/v1/review-queue/{taskId}/claim), then decide.", "Not claimed");
        }
        if (task.ClaimedItemVersion != item.Version)
        {
            throw new ItemRegradedSinceClaimException(item.ReturnId);
        }

        var decision = await BuildDecisionAsync(db, item,
            request.AsGrade(), actor, request.ReasonCode, cancellationToken);
        decision.Kind = DecisionKind.Review;
        await CheckReasonFitsTheGradeAsync(db, decision, request.ReasonCode, cancellationToken);
        var counts = await CountReviewAsync(db, item, decision, cancellationToken);
        Append(db, item, decision, ItemStatus.Final);
        task.Status = ReviewStatus.Decided;
        task.DecidedAt = now;
        task.ResolutionDecisionId = decision.Id;
        task.LeaseExpiresAt = null;
        await SaveAsync(db, item, decision, counts, cancellationToken);
        return DecisionSummary.Of(decision);
    }

    /// <summary>
    /// After a refusal (the task decided, the item changed since the claim, or a save that lost a race): the decision
    /// that closed the task, when it is this supervisor's saying what <paramref name="request"/> says; else null.
    /// </summary>
    private async Task<DecisionSummary?> StoredCopyOfAsync(Guid taskId, ReviewDecisionRequest request, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var task = await db.ReviewTasks.AsNoTracking().SingleOrDefaultAsync(t => t.Id == taskId, cancellationToken);
        var item = task is null ? null : await db.ReturnItems.AsNoTracking().SingleAsync(i => i.Id == task.ReturnItemId, cancellationToken);
        if (task is not { Status: ReviewStatus.Decided } || item is null || task.ResolutionDecisionId != item.CurrentDecisionId)
        {
            return null;
        }
        var candidate = await BuildDecisionAsync(db, item,
            request.AsGrade(), actor, request.ReasonCode, cancellationToken);
        candidate.Kind = DecisionKind.Review; // built to be compared, never added
        return await SameAsCurrentAsync(db, item, candidate, cancellationToken) is { } current ? DecisionSummary.Of(current) : null;
    }

    /// <summary>
    /// A reason code must say what the supervisor did (issue 17): "approved" keeps the grader's grade, disposition and
    /// damage; "wrong_grade" changes the grade, "wrong_disposition" the disposition, "missed_damage" and "false_damage"
    /// the damage ("photo_quality" and "other" may go with any decision). Otherwise the label store would hold an approval that changed the label,
    /// or a correction that did not. (An "approved" that changed the disposition or the damage was stored, and My grades
    /// said "Approved" to a grader whose disposition had been overridden: review of the review desk, 2026-12-06.)
    /// </summary>
    private static async Task CheckReasonFitsTheGradeAsync(GraderDb db, GradeDecision decision, string reasonCode, CancellationToken cancellationToken)
    {
        if (decision.SupersedesId is not { } gradedId)
        {
            return;
        }
        var graded = await db.GradeDecisions.AsNoTracking().Include(d => d.Damage).SingleAsync(d => d.Id == gradedId, cancellationToken);
        static string DamageOf(IEnumerable<DamageRegion> damage) =>
            string.Join(',', damage.Where(r => r.Source != RegionSource.Deleted).Select(r => r.Type).Order());
        // each counted region with where it is: a box redrawn where the damage really is adds one and takes one away. A mark
        // without a box counts by its type alone: the review page sends a photo's box-less mark (an API grade's) as a type,
        // and "approved" with nothing changed was refused (review of the session's diff, 2026-12-07).
        static IEnumerable<string> Regions(IEnumerable<DamageRegion> damage) =>
            damage.Where(r => r.Source != RegionSource.Deleted).Select(r => r.X is null ? $"{r.Type}" : $"{r.Type}|{r.PhotoId}|{r.X},{r.Y},{r.Width},{r.Height}");
        var problem = reasonCode switch
        {
            // A reason that names a change the decision does not make was stored as given, and the export's reason_code
            // said the disposition or damage was wrong where the supervisor kept it (exploratory pass, 2026-12-06).
            "wrong_disposition" when decision.Disposition == graded.Disposition =>
                $"The disposition is the grader's own ({Components.Words.Of(graded.Disposition)}): choose the disposition it should be, or another reason.",
            "missed_damage" when !Regions(decision.Damage).Except(Regions(graded.Damage)).Any() =>
                "Nothing was added to the grader's damage: add the damage that was missed, or give another reason.",
            "false_damage" when !Regions(graded.Damage).Except(Regions(decision.Damage)).Any() =>
                "Nothing was taken from the grader's damage: take away the damage that is not there, or give another reason.",
            // In the form's words, not the codes ("'approved' … (e.g. wrong_grade)" on a page whose list says "Approved",
            // "Wrong grade"; review-desk pass).
            "wrong_grade" when decision.Grade == graded.Grade =>
                $"The grade is the grader's own ({Components.Words.Of(graded.Grade)}): approve it, or choose the grade it should be.",
            "approved" when decision.Grade != graded.Grade =>
                $"\"{Components.Words.ReasonCode("approved")}\" keeps the grader's grade ({Components.Words.Of(graded.Grade)}); for {Components.Words.Of(decision.Grade)} give the reason it changed (e.g. \"{Components.Words.ReasonCode("wrong_grade")}\").",
            "approved" when decision.Disposition != graded.Disposition =>
                $"\"{Components.Words.ReasonCode("approved")}\" keeps the grader's disposition ({Components.Words.Of(graded.Disposition)}); for {Components.Words.Of(decision.Disposition)} give the reason it changed (\"{Components.Words.ReasonCode("wrong_disposition")}\").",
            "approved" when DamageOf(decision.Damage) != DamageOf(graded.Damage) =>
                $"\"{Components.Words.ReasonCode("approved")}\" keeps the grader's damage; for damage added or taken away give the reason (\"{Components.Words.ReasonCode("missed_damage")}\" or \"{Components.Words.ReasonCode("false_damage")}\").",
            // The same types with a box moved, taken off its photo or put on another were stored as approved, and the final
            // label lost the grader's box under "Approved" (two-node pass, 2026-12-07; the review page's Approve already
            // compared the boxes). A box on a photo set aside since cannot be kept, so such a grade is not approved (as on
            // the page): the types differ above.
            "approved" when !Regions(decision.Damage).Order(StringComparer.Ordinal).SequenceEqual(Regions(graded.Damage).Order(StringComparer.Ordinal)) =>
                $"\"{Components.Words.ReasonCode("approved")}\" keeps the grader's damage where the grader marked it; for a box moved, added or taken away give the reason (\"{Components.Words.ReasonCode("missed_damage")}\" or \"{Components.Words.ReasonCode("false_damage")}\").",
            _ => null,
        };
        if (problem is not null)
        {
            throw new GradeValidationException(new Dictionary<string, string[]> { ["reasonCode"] = [problem] });
        }
    }

    /// <summary>The dashboard's view of this review: the pair it closes and the model's predictions on the photos it saw.</summary>
    private static async Task<QualityCountChanges> CountReviewAsync(GraderDb db, ReturnItem item, GradeDecision decision, CancellationToken cancellationToken)
    {
        var counts = new QualityCountChanges();
        var graded = decision.SupersedesId is { } gradedId
            ? await db.GradeDecisions.AsNoTracking().Include(d => d.Damage).SingleAsync(d => d.Id == gradedId, cancellationToken)
            : null;
        if (graded is null)
        {
            return counts;
        }
        var predictions = await db.Predictions.AsNoTracking()
            .Where(p => !p.IsShadow && p.Photo!.ReturnItemId == item.Id && p.CreatedAt <= decision.DecidedAt && p.Photo.SetAsideReason == null) // not another item's photo (ADR 0052)
            .Select(p => new PredictionFacts(p.ModelVersion, p.Grade, p.Confidence))
            .ToListAsync(cancellationToken);
        counts.AddReview(new ReviewFacts(decision.DecidedAt, item.Category, (double)item.UnitValue, graded.ActorId, graded.SuggestedByModel,
            graded.Grade, graded.SuggestedGrade, decision.Grade,
            QualityCountChanges.DamageMask(graded.Damage.Where(r => r.Source != RegionSource.Deleted).Select(r => r.Type)),
            QualityCountChanges.DamageMask(decision.Damage.Where(r => r.Source != RegionSource.Deleted).Select(r => r.Type)),
            predictions));
        return counts;
    }

    /// <summary>
    /// Checks a grade request in plain words and builds the decision (not yet added). Shared by the station and the
    /// supervisor's review, so both validate the same way.
    /// </summary>
    private async Task<GradeDecision> BuildDecisionAsync(
        GraderDb db, ReturnItem item, GradeRequest request, Actor actor, string? reasonCode, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        // Names only: Enum.TryParse would also take "3" and "VeryGood,Good" (a flag combination that is another grade).
        if (!WireName<Grade>.TryParse(request.Grade, out var grade))
        {
            errors["grade"] = [$"'{request.Grade}' is not a grade; use one of {string.Join(", ", WireName<Grade>.All)}."];
        }
        if (!WireName<Disposition>.TryParse(request.Disposition, out var disposition))
        {
            errors["disposition"] = [$"'{request.Disposition}' is not a disposition; use one of {string.Join(", ", WireName<Disposition>.All)}."];
        }
        if (request.Notes?.Length > NotesMaxLength)
        {
            errors["notes"] = [$"Notes may be at most {NotesMaxLength} characters."];
        }
        if (request.ContradictionReason?.Length > ReasonMaxLength)
        {
            errors["contradictionReason"] = [$"The reason may be at most {ReasonMaxLength} characters."];
        }

        var photos = await db.Photos.Where(p => p.ReturnItemId == item.Id)
            .Select(p => new { p.Id, p.Width, p.Height, p.SetAsideReason }).ToDictionaryAsync(p => p.Id, cancellationToken);

        // The boxes the models graders see drew on this item's photos (shadow models' are never shown): a box sent as the
        // model's must be one of them. Any box was taken as "model", stored as the model's unchecked box (shown so on the
        // review page, left out of training by ADR 0053) though the model never drew it (exploratory pass, 2026-12-06).
        HashSet<(Guid PhotoId, DamageType Type, int X, int Y, int Width, int Height)>? modelBoxes = null;
        async Task<HashSet<(Guid, DamageType, int, int, int, int)>> ModelBoxesAsync()
        {
            if (modelBoxes is null)
            {
                var drawn = await db.Predictions.AsNoTracking().Where(p => !p.IsShadow && p.Photo!.ReturnItemId == item.Id)
                    .Select(p => new { p.PhotoId, p.RegionsJson }).ToListAsync(cancellationToken);
                modelBoxes = [];
                foreach (var region in drawn.SelectMany(p => Suggestions.RegionsOf(p.RegionsJson).Select(r => (p.PhotoId, r))))
                {
                    if (region.r.Box is [var x, var y, var w, var h] && WireName<DamageType>.TryParse(region.r.Type, out var drawnType))
                    {
                        modelBoxes.Add((region.PhotoId, drawnType, x, y, w, h));
                    }
                }
            }
            return modelBoxes;
        }

        // A region an earlier decision of this item stored as it is now sent (an approval, a correction keeping it) was
        // taken then: what was accepted stays acceptable, also where it was stored before these checks.
        HashSet<(Guid?, DamageType, int?, int?, int?, int?, RegionSource)>? earlier = null;
        async Task<bool> EarlierAsync(DamageRegion region)
        {
            earlier ??= [.. (await db.DamageRegions.AsNoTracking().Where(r => r.Decision!.ReturnItemId == item.Id).ToListAsync(cancellationToken))
                .Select(r => (r.PhotoId, r.Type, r.X, r.Y, r.Width, r.Height, r.Source))];
            return earlier.Contains((region.PhotoId, region.Type, region.X, region.Y, region.Width, region.Height, region.Source));
        }

        var regions = new List<DamageRegion>();
        var damage = request.Damage ?? [];
        if (damage.Count > MaxDamageEntries)
        {
            errors["damage"] = [$"At most {MaxDamageEntries} damage entries per decision; this one has {damage.Count}."];
            throw new GradeValidationException(errors);
        }
        for (var i = 0; i < damage.Count; i++)
        {
            var input = damage[i];
            var field = $"damage[{i}]";
            if (input is null)
            {
                errors[field] = ["A damage entry is an object: {type, photoId?, box?, source?}."];
                continue;
            }
            if (!WireName<DamageType>.TryParse(input.Type, out var type))
            {
                errors[$"{field}.type"] = [$"'{input.Type}' is not a damage type; use one of {string.Join(", ", WireName<DamageType>.All)}."];
                continue;
            }
            var source = RegionSource.Added;
            if (input.Source is not null && !WireName<RegionSource>.TryParse(input.Source, out source))
            {
                errors[$"{field}.source"] = ["The source must be model, accepted, edited, deleted or added."];
                continue;
            }
            var region = new DamageRegion { Id = Guid.CreateVersion7(), Type = type, Source = source };
            if (input.PhotoId is { } photoId)
            {
                if (!photos.TryGetValue(photoId, out var photo))
                {
                    errors[$"{field}.photoId"] = [$"Photo {photoId} does not belong to this item."];
                    continue;
                }
                if (photo.SetAsideReason is { } setAside)
                {
                    // A box on a photo of another item is not this item's damage (ADR 0052); the type alone, without the photo, still can be.
                    errors[$"{field}.photoId"] = [$"Photo {photoId} was set aside ({Components.Words.Of(setAside).ToLowerInvariant()}): put it back, or mark the damage without it."];
                    continue;
                }
                region.PhotoId = photoId;
                if (input.Box is { } box)
                {
                    // In long: x + width of two large ints would overflow int and pass the check.
                    if (box.Length != 4 || box[2] <= 0 || box[3] <= 0 || box[0] < 0 || box[1] < 0
                        || (long)box[0] + box[2] > photo.Width || (long)box[1] + box[3] > photo.Height)
                    {
                        errors[$"{field}.box"] = [$"The box must be [x, y, width, height] inside the {photo.Width}×{photo.Height} photo."];
                        continue;
                    }
                    (region.X, region.Y, region.Width, region.Height) = (box[0], box[1], box[2], box[3]);
                }
            }
            else if (input.Box is not null)
            {
                errors[$"{field}.photoId"] = ["A box needs the photo it is drawn on."];
                continue;
            }
            if (source != RegionSource.Added && region.X is null && !await EarlierAsync(region))
            {
                // model, accepted, edited and deleted say what happened to a box; damage marked by type alone is a person's
                errors[$"{field}.source"] = [$"'{source.Spelled()}' is said of a box on a photo; damage marked without a box is 'added' (or leave the source out)."];
                continue;
            }
            if (source == RegionSource.Model && region.X is not null
                && !(await ModelBoxesAsync()).Contains((region.PhotoId!.Value, type, region.X.Value, region.Y!.Value, region.Width!.Value, region.Height!.Value))
                && !await EarlierAsync(region))
            {
                errors[$"{field}.source"] = [$"The model did not suggest a {WireName<DamageType>.Of(type)} at [{string.Join(", ", input.Box!)}] on photo {region.PhotoId}: 'model' is only for a box it drew, left as it was; a box a person drew is 'added', one they moved or retyped 'edited'."];
                continue;
            }
            regions.Add(region);
        }
        if (errors.Count > 0)
        {
            throw new GradeValidationException(errors);
        }

        // Deleted suggestions are kept as a record of what the associate rejected; they are not damage on the item.
        var rubric = rubrics.Active;
        var rubricGrade = rubric.GradeFor(Rubric.Counted(
            [.. regions.Where(r => r.Source != RegionSource.Deleted).Select(r => (r.PhotoId, r.X is not null, r.Type))]));
        var decision = new GradeDecision
        {
            Id = Guid.CreateVersion7(),
            ReturnItemId = item.Id,
            Grade = grade,
            GradePrefilled = request.GradePrefilled ?? false,
            Disposition = disposition,
            DispositionPrefilled = request.DispositionPrefilled ?? false,
            Notes = string.IsNullOrWhiteSpace(request.Notes) ? null : request.Notes.Trim(),
            RubricVersion = rubric.Version,
            RubricGrade = rubricGrade,
            ContradictsRubric = rubricGrade != grade,
            ContradictionReason = string.IsNullOrWhiteSpace(request.ContradictionReason) ? null : request.ContradictionReason.Trim(),
            FlaggedForReview = request.FlagForReview ?? false,
            ReasonCode = reasonCode,
            ActorId = actor.Id,
            ActorName = actor.Name,
            ActorRole = actor.Role,
            DecidedAt = clock.GetUtcNow().UtcDateTime,
            SupersedesId = item.CurrentDecisionId,
        };
        decision.Damage.AddRange(regions);
        return decision;
    }

    /// <summary>
    /// A correction's fields the sender left as filled in. The grade and disposition it corrects, left as they were, are a
    /// model's answer (or the rules') only when those were: one a person chose stays chosen (review of the session's diff,
    /// 2026-12-05: a correction of the disposition alone was exported as "not human-annotated"; review of the station,
    /// 2026-12-06: the same for the disposition). Any other value said to be filled in stays "filled in": it was stored
    /// as the person's choice when it differed from the grade corrected (API fuzz, 2026-12-06). A claim is never turned into a choice
    /// except where a person made that choice before; an impossible claim is kept as "filled in", which only ever keeps
    /// a label out of what counts as people's labels, never puts one in.
    /// </summary>
    private static async Task SettleCorrectionPrefillsAsync(GraderDb db, ReturnItem item, GradeDecision decision, CancellationToken cancellationToken)
    {
        if (item.CurrentDecisionId is not { } previousId || (!decision.GradePrefilled && !decision.DispositionPrefilled))
        {
            return;
        }
        var previous = await db.GradeDecisions.AsNoTracking().Where(d => d.Id == previousId)
            .Select(d => new { d.Grade, d.GradePrefilled, d.Disposition, d.DispositionPrefilled }).SingleAsync(cancellationToken);
        decision.GradePrefilled = decision.GradePrefilled && (decision.Grade != previous.Grade || previous.GradePrefilled);
        decision.DispositionPrefilled = decision.DispositionPrefilled && (decision.Disposition != previous.Disposition || previous.DispositionPrefilled);
    }

    /// <summary>Adds the decision, makes it the item's current one, and audits it (the caller saves).</summary>
    private static void Append(GraderDb db, ReturnItem item, GradeDecision decision, ItemStatus status)
    {
        db.GradeDecisions.Add(decision);
        item.CurrentDecisionId = decision.Id;
        item.Status = status;
        item.UpdatedAt = decision.DecidedAt;
        db.AuditEvents.Add(new AuditEvent
        {
            At = decision.DecidedAt,
            ActorId = decision.ActorId,
            ActorName = decision.ActorName,
            Action = decision.Kind switch
            {
                DecisionKind.Review => "grade.reviewed",
                DecisionKind.Correction => "grade.corrected",
                _ => "grade.decided",
            },
            EntityType = nameof(ReturnItem),
            EntityId = item.Id.ToString(),
            DataJson = JsonSerializer.Serialize(new { DecisionId = decision.Id, decision.Grade, decision.RubricGrade, decision.SupersedesId, decision.ReasonCode }),
        });
    }

    /// <summary>A reason that stays on an open task through a correction: someone asked for a look, or the item was drawn
    /// for audit (ADR 0056).</summary>
    private static bool StaysWithTheItem(ReviewReason reason) => reason is ReviewReason.Flagged or ReviewReason.AuditSample;

    /// <summary>One open task per item: a correction's reasons become the open task's instead of queuing the item twice
    /// (with the flag and audit it had), and the open task always points at the item's newest grade (with no reason and no
    /// open task, nothing to do).</summary>
    private static async Task OpenReviewAsync(
        GraderDb db, ReturnItem item, GradeDecision decision, IReadOnlyList<ReviewReason> reasons, QualityCountChanges counts, CancellationToken cancellationToken)
    {
        var task = await db.ReviewTasks.SingleOrDefaultAsync(t => t.ReturnItemId == item.Id && t.Status == ReviewStatus.Open, cancellationToken);
        if (task is null && reasons.Count == 0)
        {
            return;
        }
        if (task is not null)
        {
            counts.AddTask(new TaskFacts(task.CreatedAt, task.Category, task.GradedById, task.Reasons), -1);
        }
        else
        {
            task = new ReviewTask
            {
                Id = Guid.CreateVersion7(),
                ReturnItemId = item.Id,
                Reasons = "",
                Status = ReviewStatus.Open,
                CreatedAt = decision.DecidedAt,
                Category = item.Category,
                GradedById = decision.ActorId,
            };
            db.ReviewTasks.Add(task);
        }
        // The reasons that judge a grade are the grade under review's: a correction's own replace those of the grade it
        // replaced ("Grader and model disagree", "Grade differs from the rubric" stayed after a regrade that was neither;
        // exploratory pass, 2026-12-06). A person's request for a look and a random audit are the item's, not a grade's:
        // they stay (ADR 0056). A correction leaving no reason at all keeps the ones the task was opened for: a regrade
        // does not take an item out of review, and the history shows it.
        var kept = task.ReasonList.Where(StaysWithTheItem);
        var all = reasons.Concat(kept).Distinct().Order().ToList();
        if (all.Count == 0)
        {
            all = [.. task.ReasonList];
        }
        task.Reasons = string.Join(',', all);
        task.Priority = ReviewRouter.Priority(all, item.UnitValue);
        task.TriggerDecisionId = decision.Id;
        task.GradedById = decision.ActorId;
        counts.AddTask(new TaskFacts(task.CreatedAt, task.Category, task.GradedById, task.Reasons), +1);
        item.Status = ItemStatus.InReview;
    }

    /// <summary>
    /// Saves the decision and the dashboard's counts it changes in one transaction: both or neither. The unit runs inside
    /// the provider's execution strategy (SQL Server retries transient faults; a retry re-runs all of it, so the counts
    /// are applied once), and the tracked changes are accepted only after the commit. A decision that would commit more
    /// than <see cref="RowStamps.LatestCommitAfterStamp"/> after its <c>DecidedAt</c> is rolled back instead: an export
    /// whose snapshot came after that stamp may already have been read without it (ADR 0048).
    /// </summary>
    private async Task SaveAsync(GraderDb db, ReturnItem item, GradeDecision decision, QualityCountChanges counts, CancellationToken cancellationToken)
    {
        try
        {
            await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
            {
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                await db.SaveChangesAsync(acceptAllChangesOnSuccess: false, cancellationToken);
                await counts.ApplyAsync(db, cancellationToken);
                RowStamps.ThrowIfTooLateToCommit(decision.DecidedAt, clock);
                await transaction.CommitAsync(cancellationToken);
            });
            db.ChangeTracker.AcceptAllChanges();
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new ConcurrencyConflictException(
                $"Item {item.ReturnId} changed at the same moment (another grade, or a photo added or set aside; perhaps another of your own requests). Open it again to see it as it is now.");
        }
    }
}
