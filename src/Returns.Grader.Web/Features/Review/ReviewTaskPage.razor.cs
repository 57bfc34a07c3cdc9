using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;
using MudBlazor;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Components;
using Returns.Grader.Web.Components.Grading;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;
using Returns.Grader.Web.Features.Items;
using Returns.Grader.Web.Infrastructure;

namespace Returns.Grader.Web.Features.Review;

/// <summary>
/// A supervisor's review of one task: the grader's grade beside the model's on the same photos, a claim that expires by
/// itself, and the decision that becomes the item's final label (approve, or override with a reason code).
/// </summary>
public sealed partial class ReviewTaskPage
{
    /// <summary>The review page's keys, as the "?" sheet lists them (shortcuts.js).</summary>
    private static readonly IReadOnlyList<(string Keys, string Does)> ReviewShortcuts =
    [
        ("1 … 5", "final grade: 1 Like new … 5 Unsellable (not while typing in a field)"),
        ("N / P", "choose the next / previous of the grader's boxes (outlined)"),
        ("A / R", "the chosen box: keep it as damage / mark it not damage"),
        ("Shift+1 … Shift+6", "the chosen box's damage type, in the rubric's order (scratch, stain, dent, tear, crack, missing part)"),
        ("Ctrl+Z / Ctrl+Shift+Z or Ctrl+Y", "undo / redo a change to the grader's boxes"),
        ("D", "go to the disposition (then arrows and Enter)"),
        ("Tab / Shift+Tab", "move between the fields and buttons"),
        ("Ctrl+Enter", "approve the grader's grade where the form is as the grader left it, else save the final grade (from the note too)"),
        ("Esc", "close this list"),
    ];
    [Parameter]
    public Guid TaskId { get; set; }

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private ReviewTaskView? _task;
    private ReturnItemDetails? _item;
    private bool _loaded;
    private bool _busy;
    private string? _message;
    private Grade? _grade;
    private List<DamageType> _damage = [];

    /// <summary>The grader's unboxed damage marks as the page opened: changed = the supervisor changed the grader's choices.</summary>
    private List<DamageType> _gradersDamage = [];
    private List<RegionEdit> _regions = [];
    private readonly RegionHistory _history = new();

    /// <summary>The box the region keys act on (N/P choose it; review.js).</summary>
    private RegionEdit? _selectedRegion;
    private DotNetObjectReference<ReviewTaskPage>? _self;
    private IJSObjectReference? _module;
    private bool _keysAttached;

    private IReadOnlyList<DamageType> AllDamage => RegionEdit.CountedDamage(_regions, _damage);
    private Disposition? _disposition;
    private bool _dispositionChosen;
    private string? _reasonCode;

    /// <summary>
    /// The grader's disposition was chosen for the grader's grade: another grade takes the site's disposition for it,
    /// until the supervisor chooses one (models pass, 2026-12-05: a grade changed to Acceptable kept "Resell used" where
    /// the site's rules give Refurbish for Electronics, and that went out as the final label). Back at the grader's grade,
    /// the grader's disposition is back too.
    /// </summary>
    private void SelectGrade(Grade grade, DecisionSummary? graded)
    {
        _grade = grade;
        if (!_dispositionChosen && graded is not null && _item is not null)
        {
            _disposition = grade == graded.Grade ? graded.Disposition : Decisions.SuggestDisposition(grade, _item.Category);
        }
    }

    private void ChooseDisposition(Disposition? disposition)
    {
        _disposition = disposition;
        _dispositionChosen = true;
    }

    /// <summary>A reason code other than "approved" is chosen: an approval would drop it.</summary>
    private bool ReasonOtherThanApproved => _reasonCode is not null && _reasonCode != "approved";
    private string? _notes;

    /// <summary>
    /// The supervisor changed the grade, the disposition, a mark or a box of the grader's (an edit undone counts as none;
    /// accepting a box with A is no change). The boxes are compared with the grader's on the photos that count, not read
    /// from the undo history: a set-aside clears that history, and a retyped box then passed as the grader's, so that
    /// Approve stored the grader's box over the supervisor's edit (exploratory pass of the set-aside).
    /// </summary>
    private bool ChangedGradersChoices(DecisionSummary? graded) =>
        graded is not null && (_grade != graded.Grade || _disposition != graded.Disposition
            || !_damage.Order().SequenceEqual(_gradersDamage.Order()) || BoxesOf(_regions) != BoxesOf(GradersBoxes(graded)));

    /// <summary>The grader's boxes on the photos that count, as the form starts from them.</summary>
    private IEnumerable<RegionEdit> GradersBoxes(DecisionSummary graded) =>
        graded.Damage.Select(RegionEdit.FromDecision).OfType<RegionEdit>().Where(r => CountsForItem(r.PhotoId));

    private static string BoxesOf(IEnumerable<RegionEdit> regions) =>
        string.Join(';', regions.Select(r => $"{r.PhotoId}|{r.Type}|{string.Join(',', r.Box)}|{r.Deleted}").Order(StringComparer.Ordinal));

    /// <summary>The form's boxes on photos set aside from this page: putting the photo back brings them back as they were.</summary>
    private readonly SetAsideBoxes _boxesOfSetAsidePhotos = new();

    private bool CountsForItem(Guid photoId) => _item?.Photos.Any(p => p.PhotoId == photoId) == true;

    /// <summary>The grader's decision has damage on a photo set aside since: an approval would keep it, and a box on
    /// another item's photo is refused (ADR 0052).</summary>
    private bool GradersBoxesOnSetAsidePhotos(DecisionSummary? graded) =>
        graded is not null && graded.Damage.Any(d => d.Source != RegionSource.Deleted && d.PhotoId is { } photo && !CountsForItem(photo)); // as ApprovalOf sends it

    /// <summary>"Approve grader's grade" may be pressed: the task is the supervisor's, and the form is the grader's.</summary>
    private bool ApprovalOffered => GradeUnderReview is { } graded && !_busy && Lease == LeaseState.Mine && !ChangedGradersChoices(graded)
        && !ReasonOtherThanApproved && !GradersBoxesOnSetAsidePhotos(graded);

    /// <summary>"Save final grade" may be pressed: the task is the supervisor's, with a grade, a disposition and a reason.</summary>
    private bool OverrideOffered => _grade is not null && _disposition is not null && _reasonCode is not null && !_busy && Lease == LeaseState.Mine;

    /// <summary>Ctrl+Enter found neither button to press: said to a screen reader until the form changes.</summary>
    private bool _decideKeyRefused;
    private int _decideKeyRefusals; // a new alert element for each refused press, so that each is said

    /// <summary>
    /// Ctrl+Enter (review.js) presses the decision's button, as a labeling tool's submit key does: "Approve grader's grade"
    /// where the form is the grader's, else "Save final grade". It was 21 Tabs from the page's top (keyboard pass,
    /// 2026-12-07). A chord, not Enter: an approval is the item's final label, and Enter alone is every button's key.
    /// </summary>
    [JSInvokable]
    public async Task OnDecideKey()
    {
        if (_task?.Status != ReviewStatus.Open)
        {
            return;
        }
        _decideKeyRefused = false;
        if (ApprovalOffered)
        {
            await InvokeAsync(ApproveAsync);
        }
        else if (OverrideOffered)
        {
            await InvokeAsync(OverrideAsync);
        }
        else
        {
            _decideKeyRefused = true;
            _decideKeyRefusals++;
        }
        await InvokeAsync(StateHasChanged);
    }

    private enum LeaseState { Mine, Others, Nobody }

    private string? _myId;

    /// <summary>Who may decide the task now: a lease that has run out belongs to nobody.</summary>
    private LeaseState Lease =>
        _task?.LeaseExpiresAt is not { } until || until <= Clock.GetUtcNow().UtcDateTime ? LeaseState.Nobody
        : _task.ClaimedById == _myId ? LeaseState.Mine
        : LeaseState.Others;

    private CancellationTokenSource? _leaseWatch;
    private DateTime? _watchedUntil;

    /// <summary>
    /// Renders the page again when the lease it shows runs out: the decision buttons then stand disabled and the page says
    /// the claim ended. Before, a lapsed claim showed nothing until a decision was refused (review-desk pass, left alone).
    /// </summary>
    private void WatchLease()
    {
        if (_task?.LeaseExpiresAt is not { } until || until == _watchedUntil)
        {
            return;
        }
        _watchedUntil = until;
        _leaseWatch?.Cancel();
        _leaseWatch?.Dispose();
        _leaseWatch = new CancellationTokenSource();
        var wait = until - Clock.GetUtcNow().UtcDateTime;
        if (wait <= TimeSpan.Zero)
        {
            return;
        }
        // The timer starts now, on the page's clock, and a second late: a timer may fire a millisecond early, and the
        // render then still found the lease held (a browser pass saw the page never notice a claim from the queue end).
        _ = RenderWhenDoneAsync(Task.Delay(wait + TimeSpan.FromSeconds(1), Clock, _leaseWatch.Token));
    }

    private async Task RenderWhenDoneAsync(Task delay)
    {
        try
        {
            await delay;
            await InvokeAsync(StateHasChanged);
        }
        catch (OperationCanceledException)
        {
            // the page is gone, or the lease changed
        }
    }

    private async Task ClaimAsync()
    {
        _busy = true;
        _message = null;
        try
        {
            // Against the item this page shows: a grade or photo that came since (while a lapsed claim was renewed, or
            // before a first one) refuses the claim, or a decision on this older view passed as made on the latest.
            await Desk.ClaimAsync(TaskId, await ActingAsync(AuthenticationState), CancellationToken.None, _item?.Version);
            _task = await Desk.FindAsync(TaskId, CircuitGone);
        }
        catch (ItemChangedSinceShownException e)
        {
            await OnParametersSetAsync();
            _message = $"Item {e.ReturnId} changed since this page showed it (a new grade or photo): the page now shows it as it is, and your choices were reset to it. Check it and claim it again.";
        }
        catch (LeaseHeldException)
        {
            // Someone claimed it first: the lease notice that the reload brings says who, and until when on the site's
            // clock (the refusal's words give UTC, for API callers: beside the notice they read as a second time).
            _task = await Desk.FindAsync(TaskId, CircuitGone);
        }
        catch (ConcurrencyConflictException e)
        {
            _message = e.Message;
            _task = await Desk.FindAsync(TaskId, CircuitGone);
        }
        catch (Exception e)
        {
            _message = ActionFailed(e, "the item was not claimed");
        }
        finally
        {
            _busy = false;
        }
    }

    private Task SetPhotoAsideAsync((Guid PhotoId, PhotoSetAsideReason Reason) choice) =>
        ChangePhotoAsync(choice.PhotoId, (actor, version) => PhotoSetAside.SetAsideAsync(choice.PhotoId, choice.Reason, actor, version, CancellationToken.None),
            $"Photo set aside ({Words.Of(choice.Reason).ToLowerInvariant()}): it and the grader's boxes on it no longer count for this item.");

    private Task PutPhotoBackAsync(SetAsidePhotoSummary photo) =>
        ChangePhotoAsync(photo.PhotoId, (actor, version) => PhotoSetAside.PutBackAsync(photo.PhotoId, actor, version, CancellationToken.None),
            "The photo is back among the item's photos, with the grader's boxes on it.");

    /// <summary>
    /// Sets a photo aside or puts it back while the supervisor holds the task (ADR 0052), against the item as the page
    /// shows it (a grade or photo that came meanwhile refuses it, and the page shows the item as it is). The supervisor's
    /// choices stay; the grader's boxes on a photo set aside leave the form and come back with it. The change gave the
    /// item a new version: the task is claimed again against it, or the decision that follows is refused as made on an
    /// older view.
    /// </summary>
    private async Task ChangePhotoAsync(Guid photoId, Func<Actor, Guid, Task<Returns.Grader.Web.Features.Photos.PhotoSetAsideState?>> change, string done)
    {
        if (_item is not { } shown)
        {
            return;
        }
        _busy = true;
        _message = null;
        try
        {
            var actor = await ActingAsync(AuthenticationState);
            try
            {
                await change(actor, shown.Version);
            }
            catch (ConcurrencyConflictException)
            {
                await OnParametersSetAsync();
                _message = $"Item {shown.ReturnId} changed since this page showed it (a new grade, or a photo added or set aside): nothing was set aside or put back. The page now shows it as it is, and your choices were reset to it. Check it and claim it again.";
                return;
            }
            _item = await Items.GetAsync(shown.Id, CircuitGone) ?? shown;
            _boxesOfSetAsidePhotos.TakeOff(_regions, CountsForItem);
            if (CountsForItem(photoId))
            {
                // back as the supervisor left them (a box rejected stays rejected), or, set aside before this page, the grader's
                _regions.AddRange(_boxesOfSetAsidePhotos.TryTakeBack(photoId, out var kept) ? kept
                    : GradeUnderReview is { } graded
                        ? GradersBoxes(graded).Where(r => r.PhotoId == photoId)
                        : []);
            }
            _history.Clear(); // undo must not bring back a box on a photo that is not shown
            _selectedRegion = null;
            Snackbar.Add(done, Severity.Info);
            try
            {
                await Desk.ClaimAsync(TaskId, actor, CancellationToken.None, _item.Version);
            }
            catch (Exception e) when (DomainProblemException.In(e) is { } refusal)
            {
                // The photo did change; only the claim again failed (decided meanwhile, someone else's lease): said so, the
                // supervisor's choices kept on the page.
                _message = $"The photo was changed, but the task could not be claimed again: {refusal.Message}";
            }
            _task = await Desk.FindAsync(TaskId, CircuitGone);
        }
        catch (Exception e) when (DomainProblemException.In(e) is { } refusal)
        {
            await OnParametersSetAsync();
            _message = refusal.Message;
        }
        catch (Exception e)
        {
            _message = ActionFailed(e, "the photo was not changed");
        }
        finally
        {
            _busy = false;
        }
    }

    /// <summary>
    /// "Check again": the task's lease and the item (its history, photos and status) as they are now; the choices on the
    /// form stay. The item was not read again: after another supervisor's decision the page said "Decided" above a
    /// history without that decision (exploratory pass, 2026-12-06).
    /// </summary>
    private async Task ReloadAsync()
    {
        _busy = true;
        try
        {
            await ReadTaskAndItemAgainAsync();
        }
        catch (Exception e)
        {
            _message = ActionFailed(e, "the item could not be read again");
        }
        finally
        {
            _busy = false;
        }
    }

    /// <summary>
    /// The task and the item as they are now. Where the item has changed since the form was filled from it (a new grade
    /// or photo) and the task is still open, the form is filled again from the grade now under review, and the page says
    /// so: kept, the old form would go out with the new version, which a claim takes as "seen" (review of the session's
    /// diff: the claim's version check was passed with the replaced grade's boxes on the form).
    /// </summary>
    private async Task ReadTaskAndItemAgainAsync()
    {
        var shown = _item?.Version;
        var task = await Desk.FindAsync(TaskId, CircuitGone);
        var item = task is null ? null : await Items.GetAsync(task.ItemId, CircuitGone);
        if (task is { Status: ReviewStatus.Open } && item is not null && item.Version != shown)
        {
            await OnParametersSetAsync();
            _message = $"Item {item.ReturnId} has changed since the page showed it (a new grade or photo): the grade, disposition and damage on the form now come from the latest grade (your reason code and note are kept). Check it before you decide.";
            return;
        }
        _task = task;
        _item = item ?? _item;
    }

    protected override async Task OnParametersSetAsync()
    {
        _myId ??= Actor.From((await AuthenticationState).User).Id;
        _task = await Desk.FindAsync(TaskId, CircuitGone);
        _item = _task is null ? null : await Items.GetAsync(_task.ItemId, CircuitGone);
        if (_task is { Status: ReviewStatus.Open } && _item is not null && _item.CurrentDecisionId != _task.TriggerDecisionId)
        {
            // A grade saved between the two reads: the task is read again, so the form shows the grade under review
            // of the item version the claim will name.
            _task = await Desk.FindAsync(TaskId, CircuitGone);
        }
        _loaded = true;
        if (GradeUnderReview is { } graded)
        {
            _grade = graded.Grade;
            // Boxed regions stay boxes the supervisor can keep, retype or reject; unboxed marks become damage types.
            // Not the boxes on a photo set aside: another item's (ADR 0052); without them an approval is no longer the grader's damage.
            _regions = [.. GradersBoxes(graded)];
            _boxesOfSetAsidePhotos.Clear();
            _damage = graded.Damage.Where(d => d.Source != RegionSource.Deleted && (d.PhotoId is null || d.Box is null)).Select(d => d.Type).ToList();
            _gradersDamage = [.. _damage];
            _disposition = graded.Disposition;
            _dispositionChosen = false;
            _history.Clear();
            _selectedRegion = null;
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        WatchLease();
        if (firstRender)
        {
            _self = DotNetObjectReference.Create(this);
            _module = await JS.InvokeAsync<IJSObjectReference>("import", CircuitGone, "/assets/js/review.js");
            await _module.InvokeVoidAsync("attach", CircuitGone, _self);
            _keysAttached = true; // said on the page (data-keys), so a test or a script knows keys are heard from now on
            StateHasChanged();
        }
        if (_module is not null && _item is not null && !_focusedOnOpen)
        {
            // The page opens with the focus on its heading (the plate and title), where a screen reader starts and the keys
            // work: it was on the page's body after the claim, and after "?" and Escape (keyboard pass, 2026-12-07).
            _focusedOnOpen = true;
            await _module.InvokeVoidAsync("focusHeading", CircuitGone);
        }
        if (_module is not null && HasUnsavedChoices != _toldUnsaved)
        {
            _toldUnsaved = HasUnsavedChoices;
            await _module.InvokeVoidAsync("setUnsaved", CircuitGone, _toldUnsaved);
        }
    }

    private bool _focusedOnOpen;

    /// <summary>What review.js was last told: the browser asks before the page is left while it is true.</summary>
    private bool _toldUnsaved;

    /// <summary>
    /// The form holds something of the supervisor's not yet saved, on a task they hold: a grade, disposition, mark or box
    /// changed from the grader's, a reason chosen or a note written. A reload lost it without a word (two-node pass).
    /// </summary>
    private bool HasUnsavedChoices =>
        _task?.Status == ReviewStatus.Open && Lease == LeaseState.Mine
        && (ChangedGradersChoices(GradeUnderReview) || _reasonCode is not null || !string.IsNullOrWhiteSpace(_notes));

    /// <summary>The grade the task reviews, among the item's decisions as last read.</summary>
    private DecisionSummary? GradeUnderReview => _item?.Decisions.FirstOrDefault(d => d.Id == _task?.TriggerDecisionId);

    /// <summary>A region key from review.js; the same rules as the station's (<see cref="RegionKeys"/>).</summary>
    [JSInvokable]
    public Task OnRegionKey(string action, int typeNumber)
    {
        if (_task?.Status != ReviewStatus.Open)
        {
            return Task.CompletedTask;
        }
        _selectedRegion = RegionKeys.Press(action, typeNumber, _regions, _selectedRegion, _history);
        return InvokeAsync(StateHasChanged);
    }

    [JSInvokable]
    public Task OnUndoKey()
    {
        UndoRegions();
        return InvokeAsync(StateHasChanged);
    }

    [JSInvokable]
    public Task OnRedoKey()
    {
        RedoRegions();
        return InvokeAsync(StateHasChanged);
    }

    private void UndoRegions() => _history.Undo(_regions);

    private void RedoRegions() => _history.Redo(_regions);

    public async ValueTask DisposeAsync()
    {
        await PageScripts.DetachAsync(_module);
        _self?.Dispose();
        _leaseWatch?.Cancel();
        _leaseWatch?.Dispose();
        Dispose();
    }

    private Task ApproveAsync()
    {
        var graded = _item!.Decisions.First(d => d.Id == _task!.TriggerDecisionId);
        return DecideAsync(ReviewDecisionRequest.ApprovalOf(graded, _notes, photoCounts: CountsForItem));
    }

    private Task OverrideAsync()
    {
        var graded = GradeUnderReview;
        return DecideAsync(new ReviewDecisionRequest(_grade!.Value.ToString(), WireName<Disposition>.Of(_disposition!.Value),
            [.. _regions.Select(r => r.ToInput()), .. MarksWithTheirPhotos(graded)], _notes, _reasonCode,
            DispositionPrefilled: DispositionLeftAsFilledIn(graded)));
    }

    /// <summary>
    /// The damage marks without a box as the final grade's: each type the grader marked on a photo (an API grade may name
    /// a photo and no box) keeps that photo while it counts, as far as the grader's marks of the type go; the others are
    /// types alone. The photo was dropped from the final label (review of the session's diff, 2026-12-07).
    /// </summary>
    private IEnumerable<DamageInput> MarksWithTheirPhotos(DecisionSummary? graded)
    {
        var onPhotos = (graded?.Damage ?? []).Where(d => d.Source != RegionSource.Deleted && d.Box is null && d.PhotoId is { } photo && CountsForItem(photo)).ToList();
        foreach (var type in _damage)
        {
            var mark = onPhotos.FirstOrDefault(d => d.Type == type);
            if (mark is not null)
            {
                onPhotos.Remove(mark);
            }
            yield return new DamageInput(mark?.PhotoId, WireName<DamageType>.Of(type), null, null);
        }
    }

    /// <summary>
    /// The disposition the supervisor saves was filled in, not chosen: the site's rules gave it for a grade the supervisor
    /// changed, or it is the grader's and the grader's was itself filled in. A label nobody chose is not stored as chosen.
    /// </summary>
    private bool DispositionLeftAsFilledIn(DecisionSummary? graded) =>
        !_dispositionChosen && graded is not null && (_grade != graded.Grade || graded.DispositionPrefilled);

    private async Task DecideAsync(ReviewDecisionRequest request)
    {
        _busy = true;
        try
        {
            await Desk.DecideAsync(TaskId, request, await ActingAsync(AuthenticationState), CancellationToken.None);
            Snackbar.Add($"{_item!.ReturnId}: final grade saved.", Severity.Success);
            Navigation.NavigateTo("/review");
        }
        catch (ItemRegradedSinceClaimException e)
        {
            // The page claims it again and shows the new grade: it said "claim it again" with no Claim button (the
            // lease was still the supervisor's), and every decision was refused the same way (review-desk pass).
            try
            {
                // Read first, then claimed against what was read: a grade between the two refuses the claim.
                await OnParametersSetAsync();
                await Desk.ClaimAsync(TaskId, await ActingAsync(AuthenticationState), CancellationToken.None, _item?.Version);
                _task = await Desk.FindAsync(TaskId, CircuitGone);
                _message = $"Item {e.ReturnId} changed after you claimed it (graded again, or a photo added, set aside or put back): the page now shows the latest grade and photos, and the grade, disposition and damage on the form were reset to it (your reason code and note are kept). Check it and decide again.";
            }
            catch (Exception again) when (DomainProblemException.In(again) is { } refusal)
            {
                // e.g. the regrade was this supervisor's own, and a review is someone else's: the page shows the task
                // as it is now (its "You graded this item"), not the old form (diff review)
                await OnParametersSetAsync();
                _message = refusal.Message;
            }
            catch (Exception other)
            {
                // Thrown inside a catch, the catch-all below does not see it: escaping, it would end the circuit.
                _message = ActionFailed(other, "the item could not be claimed again; reload the page");
            }
        }
        catch (ConcurrencyConflictException e)
        {
            // Decided meanwhile (another tab, another supervisor): the page shows it so, not the form with its old lease
            // and a history without the decision (exploratory pass, 2026-12-06); the choices stay.
            _message = e.Message;
            try
            {
                await ReadTaskAndItemAgainAsync();
            }
            catch (Exception other)
            {
                _message = ActionFailed(other, $"{e.Message} The item could not be read again; reload the page");
            }
        }
        catch (GradeValidationException e)
        {
            _message = string.Join(" ", e.Errors.Values.SelectMany(v => v));
        }
        catch (Exception e)
        {
            _message = ActionFailed(e, "the final grade was not saved; your choices are still here");
        }
        finally
        {
            _busy = false;
        }
    }
}
