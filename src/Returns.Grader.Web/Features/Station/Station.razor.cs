using System.Text.Json;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;
using MudBlazor;
using Returns.Grader.Web.Auth;
using Returns.Grader.Web.Components;
using Returns.Grader.Web.Components.Grading;
using Returns.Grader.Web.Data;
using Returns.Grader.Web.Features.Decisions;
using Returns.Grader.Web.Infrastructure;
using Returns.Grader.Web.Features.Grading;
using Returns.Grader.Web.Features.Items;
using Returns.Grader.Web.Features.Models;

namespace Returns.Grader.Web.Features.Station;

/// <summary>
/// The grading station: scan → item → photos → grade → Enter → next scan. Everything that matters is saved by the
/// services as it happens (photos by the upload endpoint, grades by DecisionLedger); the page only holds the
/// unsaved form, so a dropped connection loses at most what was not yet submitted.
/// </summary>
public sealed partial class Station : IAsyncDisposable
{
    private MudTextField<string>? _scanField;
    private IJSObjectReference? _module;
    private DotNetObjectReference<Station>? _self;
    private bool _busy;
    private bool _focusScan;
    private bool _focusItem;
    private bool _focusNewItem;
    private bool _selectScanField;
    private Guid? _focusThumbnailOf;

    /// <summary>The unsaved-choices question just appeared: its "Keep working" takes the focus, so that a grade key or a
    /// second scan does not land in the scan field behind it (it became "LP-30111"; keyboard audit, 2026-12-05).</summary>
    private bool _focusGuard;

    /// <summary>
    /// The first render's work is done (keys heard, the associate known, a draft restored, focus placed); said on the page
    /// (data-ready) so that a test or a script knows that nothing of the page's start will move focus after it.
    /// </summary>
    private bool _ready;

    /// <summary>Cancelled when the circuit goes (the page is disposed): reads nobody will see are stopped (issue 16).</summary>
    private readonly CancellationTokenSource _circuitGone = new();

    /// <summary>
    /// Someone else graded the open item meanwhile: the associate has been shown their grade, and only the button (not
    /// Enter, which may be a reflex) replaces it with a correction (issue 17).
    /// </summary>
    private bool _correctionNeedsClick;
    private string? _actorId;

    private ReturnItemDetails? _item;
    private string? _unknownReturnId;
    private NewItemForm _newItem = new();
    private StationMessage? _message;

    private readonly PrefilledField<Grade> _grade = new();
    private List<DamageType> _damage = [];
    private readonly PrefilledField<Disposition> _disposition = new();
    private double? _prefillMinConfidence;
    private string? _notes;
    private string? _contradictionReason;
    private bool _flagForReview;
    private readonly List<PhotoUpload> _uploads = [];
    private List<RegionEdit> _regions = [];
    private Guid? _editingPhotoId;
    private DamageType _newRegionType = DamageType.Scratch;

    [Inject] private ReturnItems Items { get; set; } = default!;
    [Inject] private DecisionLedger Decisions { get; set; } = default!;
    [Inject] private IJSRuntime JS { get; set; } = default!;
    [Inject] private SiteTime SiteTime { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private Models.ModelRegistry Models { get; set; } = default!;
    [Inject] private ILogger<Station> Logger { get; set; } = default!;
    [Inject] private SignInSessions Sessions { get; set; } = default!;
    [Inject] private Microsoft.Extensions.Options.IOptions<Photos.PhotoOptions> PhotoLimits { get; set; } = default!;

    /// <summary>The notice of the last save, which the next save's replaces.</summary>
    private MudBlazor.Snackbar? _savedNotice;

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    public string? ScanText { get; set; }

    /// <summary>The scan field is emptied in the browser too at the next render, not only in ScanText.</summary>
    private bool _clearScanField;

    /// <summary>
    /// Empties the scan field. Setting the bound value alone sometimes left the plate shown in the browser (the field
    /// still had focus when the render came), so the next scan was appended to it and an item was created under
    /// "LP-S5008LP-S5009" (long-shift pass, 2026-12-05: 200 of 1 717 items under an instrumented browser). The
    /// component's own ClearAsync clears the input itself — only when the field held text the station knew of (a plate
    /// that came another way is OpenAsync's argument, never put in the field). station.js focuses the scan field the
    /// moment a saved item's panel goes, and a clear one round trip later erased the start of a plate scanned into it
    /// meanwhile (the rest, "8432CFBF71" of E2E-3-8432CFBF71, was looked up; browser test under load, 2026-12-06).
    /// </summary>
    private void ClearScan()
    {
        _clearScanField |= !string.IsNullOrEmpty(ScanText); // a clear already asked for in this render stays asked for
        ScanText = "";
    }

    /// <summary>The photo's number on the page (1, 2, …) where the item has more than one; null with one photo.</summary>
    private int? PhotoNumberOf(Guid photoId) => _item?.PhotoNumberOf(photoId);

    private DecisionSummary? CurrentDecision => _item?.Decisions.FirstOrDefault(d => d.Id == _item.CurrentDecisionId);

    /// <summary>Everything the associate says is damage: the model's regions they kept, and the types they marked.</summary>
    private IReadOnlyList<DamageType> AllDamage => RegionEdit.CountedDamage(_regions, _damage);

    private bool Contradicts => _grade.Value is { } grade && Decisions.Rubric.Contradicts(grade, AllDamage);

    /// <summary>Whether the item's suggestion may prefill the form (null: there is none to show).</summary>
    private PrefillVerdict? Verdict => _item?.Suggestion is { } suggestion
        ? PrefillPolicy.Decide(suggestion, _prefillMinConfidence, PhotoWarned, FromActiveModel(suggestion))
        : null;

    /// <summary>Whether the suggestion comes from the model active on this node now (none in manual mode).</summary>
    private bool FromActiveModel(Suggestion suggestion) => Models.Active?.Manifest.ModelVersion == suggestion.ModelVersion;

    /// <summary>Whether any of the open item's photos carries a quality warning (dark, blurred, washed out, item too small).</summary>
    private bool PhotoWarned => _item?.AnyPhotoWarned == true;

    /// <summary>Why Save is not possible yet, in plain words; null when it is.</summary>
    private string? SubmitBlocker => Blocker?.Words;

    /// <summary>Why Save is not possible yet, and the field that would make it possible (null: none to go to).</summary>
    private (string Words, string? Field)? Blocker =>
        _item is null ? ("Open an item first.", null)
        : _item.Status == ItemStatus.Final ? ("A supervisor's grade is final here: ask a supervisor if it needs changing.", null)
        : _uploads.Any(u => !u.Done && u.Error is null) ? ("Wait for the photos to finish uploading.", null)
        : _grade.Value is null ? ("Pick a grade (keys 1–5).", "grade")
        : _disposition.Value is null ? ("Choose a disposition.", "disposition")
        : Contradicts && string.IsNullOrWhiteSpace(_contradictionReason) ? ("Say why the grade differs from the rubric.", "reason")
        : null;

    /// <summary>
    /// The blocker an Enter ran into: said to a screen reader while it stands, and its field given the focus. An Enter that
    /// could not save did nothing and said nothing, and the reason field was five Tabs away (keyboard pass, 2026-12-07).
    /// </summary>
    private string? _enterRefusedBecause;
    private int _refusedEnters;
    private string? _focusBlockingField;

    private bool CanSubmit => !_busy && SubmitBlocker is null;

    /// <summary>The station's keys, as the "?" sheet lists them (station.js and shortcuts.js handle them).</summary>
    private static readonly IReadOnlyList<(string Keys, string Does)> StationShortcuts =
    [
        ("scan / type, Enter", "open the item with that licence plate (or announce a new one)"),
        ("a scanner, anywhere", "a plate scanned with the focus outside a text field opens too: its keys never grade or save the open item"),
        ("/ or a key that is no shortcut", "type a plate by hand: it goes to the plate field (a plate that starts with a shortcut's key: / first)"),
        ("1 … 5", "grade: 1 Like new … 5 Unsellable (not while typing in a field)"),
        ("Enter", "save the grade and go to the next item (from any field, the note too; an open list keeps its own Enter; a grade or damage button just reached by Tab is pressed first, the next Enter saves; when something stops the save, Enter goes to it)"),
        ("Tab / Shift+Tab", "move between the fields and buttons"),
        ("N / P", "choose the next / previous damage region (its photo opens, the region is outlined)"),
        ("A / R", "the chosen region: accept it as damage / reject it as not damage (a box you drew is removed)"),
        ("Shift+1 … Shift+6", "the chosen region's type: 1 Scratch, 2 Stain, 3 Dent, 4 Tear, 5 Crack, 6 Missing part"),
        ("B", "draw a new box (of the type chosen for new damage) in the middle of the photo on screen; it is chosen"),
        ("Arrow keys", "move the chosen box on its photo; Shift+arrows make it wider / narrower, taller / shorter"),
        ("D", "go to the disposition (arrow keys and Enter choose; Enter again saves)"),
        ("Ctrl+Z / Ctrl+Shift+Z or Ctrl+Y", "undo / redo the last change to the damage boxes (outside a text field)"),
        ("+ / − / 0", "the open photo: zoom in, zoom out, fit the screen (the wheel, the scroll bars or one finger pan; Ctrl+wheel or two fingers zoom)"),
        ("F", "the open photo full screen (Esc leaves it)"),
        ("Esc", "close this list"),
    ];

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            _self = DotNetObjectReference.Create(this);
            _module = await JS.InvokeAsync<IJSObjectReference>("import", "/assets/js/station.js");
            await _module.InvokeVoidAsync("attach", _self);
            var user = (await AuthenticationState).User;
            _actorId = Actor.From(user).Id;
            _mayChangeFinalItemsPhotos = Auth.Policies.Admits(Auth.Policies.Reviewing, user);
            // The scan field was disabled while the page was only prerendered (a scan then would be lost); focus it now —
            // unless a plate scanned during the awaits above has already opened an item and focused it: the scan field
            // taking focus back then made the next grade key type into it (GradingStationTests, 2 runs in 3, 2026-12-03),
            // or an unknown plate has opened the new-item form, whose SKU the associate may be typing already (the
            // scan field took focus after its first character: "SKU S", clean-clone browser run, 2026-12-04).
            _focusScan = _item is null && _unknownReturnId is null;
            // A reload in the middle of an item opens it again, with what the associate had chosen (Station.Drafts.cs).
            if (await LoadDraftAsync() is { } draft)
            {
                await OpenAsync(draft.ReturnId);
            }
            StateHasChanged();
        }
        if (_clearScanField && _scanField is not null)
        {
            _clearScanField = false;
            await _scanField.ClearAsync();
        }
        if (_enterRefusedBecause is not null && _enterRefusedBecause != SubmitBlocker)
        {
            // what it said no longer stops the save: said again only after another Enter (it came back with the same
            // blocker later, after another photo's upload, unasked; review of the change)
            _enterRefusedBecause = null;
        }
        if (_selectScanField && _scanField is not null)
        {
            _selectScanField = false;
            await _scanField.SelectAsync();
        }
        if (_focusGuard && _module is not null)
        {
            _focusGuard = false;
            _focusScan = false;
            await _module.InvokeVoidAsync("focusGuard");
        }
        else if (_focusItem && _module is not null)
        {
            // Keys 1–5 must reach the grade, not the scan field the plate was typed into (issue 17: "4" then Enter
            // looked up plate "4" and dropped the open item).
            _focusItem = false;
            _focusNewItem = false;
            _focusScan = false;
            await _module.InvokeVoidAsync("focusItem");
        }
        else if (_focusThumbnailOf is { } thumbnail && _module is not null)
        {
            _focusThumbnailOf = null;
            _focusScan = false;
            await _module.InvokeVoidAsync("focusThumbnail", thumbnail);
        }
        else if (_focusBlockingField is { } field && _module is not null)
        {
            _focusBlockingField = null;
            _focusScan = false;
            await _module.InvokeVoidAsync("focusBlockingField", field);
        }
        else if (_focusNewItem && _module is not null)
        {
            _focusNewItem = false;
            _focusScan = false;
            await _module.InvokeVoidAsync("focusNewItem");
        }
        else if (_focusScan && _scanField is not null)
        {
            _focusScan = false;
            await _scanField.FocusAsync();
            if (_module is not null)
            {
                // A plate typed while the field was disabled (a save under way) waits in station.js for this: going in
                // as soon as the field was enabled, the clear above wiped its first letters.
                await _module.InvokeVoidAsync("plateFieldSettled");
            }
        }
        if (firstRender)
        {
            _ready = true;
            StateHasChanged();
        }
        await StoreDraftAsync();
    }

    /// <summary>Opens the plate in the scan field, or <paramref name="scanned"/>: one that reached the station another
    /// way (a scanner's burst outside the field, a draft, the unsaved-choices question), never put in the field.</summary>
    private async Task OpenAsync(string? scanned = null)
    {
        var plate = (scanned ?? ScanText)?.Trim();
        if (string.IsNullOrEmpty(plate) || _busy)
        {
            return;
        }
        if (!ReturnItems.IsLicencePlate(plate) && !await MayBeAnItemsPlateAsync(plate))
        {
            // Announcing such a plate is refused: the new-item form opened for it (and the open item was left) only for
            // Add to say so (exploratory pass, 2026-12-06). The open item stays as it is.
            _message = new StationMessage(Severity.Warning, $"\"{Shortened(plate)}\" is not a licence plate ({ReturnItems.LicencePlateRule}). Scan the plate again.");
            // Typed into the field, it is selected, so the next scan replaces it: it stayed with the cursor after it, and the
            // next scan was refused too, as "LP 9O2LP-902" (keyboard pass, 2026-12-07).
            _selectScanField = scanned is null;
            return;
        }
        if (!MayLeave(plate))
        {
            return;
        }
        if (_item is not null && UploadsInFlight && ReturnItems.NormalizeReturnId(plate) == _item.ReturnId)
        {
            // The open item's plate again while a photo is on its way: opening it anew dropped the upload from the page
            // (its photo, warnings and suggestion never shown; Save no longer waited for it). It is open already.
            ClearScan();
            _focusItem = true;
            return;
        }
        await RunBusyAsync(async () =>
        {
            // Read before the form is reset: a read that fails (a busy database) leaves the open item and its form as
            // they were, as RunBusyAsync promises; reset first, the item stayed on screen with an empty form, and the
            // draft of its choices was deleted at the next render (review of the station, 2026-12-06).
            Guid? id;
            ReturnItemDetails? found;
            try
            {
                id = await Items.FindIdByReturnIdAsync(plate, _circuitGone.Token);
                found = id is null ? null : await Items.GetForStationAsync(id.Value, _circuitGone.Token);
            }
            catch (Exception) when (!_circuitGone.IsCancellationRequested)
            {
                // Not opened: the plate waits in the scan field for an Enter, whichever way it came (a scanner's burst,
                // the question about leaving, a draft). A clear asked for earlier in this handler (the item opened just
                // before) would erase it at the render: the render writes this plate over what the field held anyway.
                ScanText = plate;
                _clearScanField = false;
                throw;
            }
            ResetForm();
            _message = null;
            if (id is null)
            {
                _item = null;
                _unknownReturnId = ReturnItems.NormalizeReturnId(plate);
                _newItem = new NewItemForm();
                // The next thing scanned is the label's SKU: in the scan field it was added to the plate ("LP-3001SKU-777"),
                // and an item could be created under that plate. The plate is named on the form.
                ClearScan();
                _focusNewItem = true;
                return;
            }
            _unknownReturnId = null;
            _item = found;
            PrefillFromCurrentDecision();
            await PrefillFromSuggestionAsync();
            await RememberOpenedFormAsync();
            ClearScan();
            _focusItem = true;
        }, notDone: "the item was not opened");
    }

    /// <summary>A plate as a message quotes it: a scanner's runaway burst is not repeated whole (nor a character halved).</summary>
    private static string Shortened(string text) =>
        text.Length <= 40 ? text : string.Concat(text.AsSpan(0, char.IsHighSurrogate(text[39]) ? 39 : 40), "…");

    /// <summary>
    /// An item announced before today's plate rule may have a plate the rule refuses (diff review): it opens as any other.
    /// A lookup that fails cannot tell, and the item is opened as before, where a failure is said.
    /// </summary>
    private async Task<bool> MayBeAnItemsPlateAsync(string plate)
    {
        try
        {
            return await Items.FindIdByReturnIdAsync(plate, _circuitGone.Token) is not null;
        }
        catch (Exception) when (!_circuitGone.IsCancellationRequested)
        {
            return true;
        }
    }

    private async Task CreateAsync()
    {
        if (_unknownReturnId is null || _busy)
        {
            return;
        }
        if (!string.IsNullOrWhiteSpace(_newItem.UnitValue) && _newItem.ParsedUnitValue is null)
        {
            _message = new StationMessage(Severity.Warning, $"The unit value \"{_newItem.UnitValue}\" is not an amount: type it like 249.50.");
            return;
        }
        var request = new CreateReturnRequest(_unknownReturnId, _newItem.Sku, _newItem.Title, _newItem.Category, _newItem.ParsedUnitValue);
        var errors = ReturnItems.Validate(request);
        if (errors.Count > 0)
        {
            _message = new StationMessage(Severity.Warning, string.Join(" ", errors.Values.SelectMany(v => v)));
            return;
        }
        await RunBusyAsync(async () =>
        {
            try
            {
                // Writes the associate asked for complete even if the page goes meanwhile (not the circuit's token).
                var created = await Items.CreateAsync(request, await ActorAsync(), CancellationToken.None);
                _item = await Items.GetForStationAsync(created.Id, _circuitGone.Token);
                _unknownReturnId = null;
                _message = null;
                await RememberOpenedFormAsync();
                ClearScan();
                _focusItem = true;
            }
            catch (DuplicateReturnIdException)
            {
                // Someone announced it meanwhile: open theirs.
                var plate = _unknownReturnId;
                _unknownReturnId = null;
                _busy = false;
                await OpenAsync(plate);
            }
        }, notDone: "the item was not added");
    }

    private async Task SubmitAsync()
    {
        if (!CanSubmit || _item is null)
        {
            return;
        }
        if (FilledInByARetiredModel)
        {
            // The event may not have reached this page yet (or its re-read failed): nothing a retired model filled in is saved.
            await RunBusyAsync(FollowActiveModelAsync, notDone: "the item was not saved");
            return;
        }
        var item = _item;
        if (CurrentDecision is { } current && current.Id == _openedOnDecision && !HasUnsavedChoices)
        {
            // Reopened and left as it was: saving would add a "correction" that corrects nothing, count the item twice on
            // the quality page and mark the associate's own grade as replaced.
            _message = new StationMessage(Severity.Info, $"{item.ReturnId} was not changed, so nothing was saved: it stays {Words.Of(current.Grade)}.");
            CloseItem();
            return;
        }
        var request = new GradeRequest(
            _grade.Value!.Value.ToString(),
            Infrastructure.WireName<Disposition>.Of(_disposition.Value!.Value),
            [.. _regions.Select(r => r.ToInput()), .. _damage.Select(type => new DamageInput(null, Infrastructure.WireName<DamageType>.Of(type), null, null))],
            _notes,
            Contradicts ? _contradictionReason : null,
            _flagForReview,
            item.Version,
            GradePrefilled: _grade.Prefilled,
            DispositionPrefilled: _disposition.Prefilled);
        await RunBusyAsync(async () =>
        {
            try
            {
                // A grade the associate submitted is saved even if the tab closes meanwhile: never the circuit's token here.
                var decision = await Decisions.DecideAsync(item.Id, request, await ActorAsync(), CancellationToken.None);
                // The last save's notice replaces the one before: at two notices of ~8 s on screen at a time, a notice per
                // save queued without end (1 245 behind after 1 500 items), and "The photo was not added" waited in that
                // queue for minutes, unseen (soak pass, 2026-12-07).
                if (_savedNotice is { } previous)
                {
                    Snackbar.Remove(previous);
                }
                _savedNotice = Snackbar.Add($"{item.ReturnId} saved as {Words.Of(decision.Grade)}.", Severity.Success);
                _message = null;
                CloseItem();
            }
            catch (ItemFinalException e)
            {
                // Made final while it was open: a correction from here would be refused too, so none is offered, and the
                // choices are no longer "unsaved work" (nothing can save them): the next scan does not ask about them.
                _message = new StationMessage(Severity.Error, e.Message);
                _item = await Items.GetForStationAsync(item.Id, _circuitGone.Token);
                _openedAs = DraftJson();
            }
            catch (ConcurrencyConflictException)
            {
                var graded = CurrentDecision?.Id;
                var touched = HasUnsavedChoices;
                if (await ReloadOpenItemAsync(item) is not { } takenOff)
                {
                    return;
                }
                if (!await FollowSomeoneElsesGradeAsync(graded, touched, afterRefusedSave: true))
                {
                    // Nobody graded it: a photo was kept from elsewhere, and the suggestion is the one it makes now.
                    await PrefillFromSuggestionAsync();
                    _message = new StationMessage(Severity.Warning,
                        $"{item.ReturnId} changed after you opened it (a photo was added, set aside or put back elsewhere): the photos and the suggestion below are as they are now. Check them and save again.{takenOff.Said}");
                }
            }
            catch (GradeValidationException e)
            {
                // A photo set aside elsewhere since the item was opened: its boxes are what was refused (they are checked
                // before the item's version). Shown as the change it is, the boxes off the form, not as a photo's id.
                var graded = CurrentDecision?.Id;
                var touched = HasUnsavedChoices;
                if (await Items.GetForStationAsync(item.Id, _circuitGone.Token) is { } now && now.Version != item.Version)
                {
                    // Taken in as any newer version is: someone else's grade meanwhile is followed (kept from being
                    // overwritten by Enter), not read past (review of the set-aside's fixes).
                    _item = now;
                    var dropped = DropBoxesOffSetAsidePhotos();
                    if (await FollowSomeoneElsesGradeAsync(graded, touched, afterRefusedSave: true))
                    {
                        return;
                    }
                    if (dropped.All > 0)
                    {
                        await PrefillFromSuggestionAsync();
                        _message = new StationMessage(Severity.Warning,
                            $"{item.ReturnId} changed after you opened it (a photo set aside elsewhere): its boxes are off the form, and the photos below are as they are now. Check them and save again.");
                        return;
                    }
                }
                _message = new StationMessage(Severity.Error, string.Join(" ", e.Errors.Values.SelectMany(v => v)));
            }
            catch (ItemNotFoundException)
            {
                _message = new StationMessage(Severity.Error, $"{item.ReturnId} no longer exists. Scan it again.");
                CloseItem();
            }
        });
    }

    /// <summary>
    /// The item (just reloaded) has a grade other than <paramref name="graded"/>, the one the form knew: someone else's
    /// (review of the session's diff, 2026-12-06). A form with nothing of the associate's on it becomes that grade, with
    /// nothing to save. A form with their choices keeps them; a grade the station filled in is taken back (the model's
    /// grade, which nobody chose, went over the grade somebody did choose on "Save as a correction"), so replacing theirs
    /// takes a grade the associate chooses and the click. False when nobody else graded it.
    /// </summary>
    private async Task<bool> FollowSomeoneElsesGradeAsync(Guid? graded, bool touched, bool afterRefusedSave)
    {
        if (CurrentDecision is not { } since || since.Id == graded)
        {
            return false;
        }
        if (!touched)
        {
            _grade.Clear();
            _disposition.Clear();
            PrefillFromCurrentDecision();
            await RememberOpenedFormAsync();
            _correctionNeedsClick = false;
            _message = new StationMessage(Severity.Warning,
                $"{_item!.ReturnId} was graded {Words.Of(since.Grade)} by {since.Actor.Name} while it was open here, and you had changed nothing: " +
                "their grade is shown below. Change it and save to correct it, or scan the next item.");
            return true;
        }
        // The station's own words, not the refusal's: the API's "Open it again to see the latest grade" sat beside "their
        // grade is shown below" (exploratory browser pass, 2026-12-06), and the item is open with it already.
        var what = $"{_item!.ReturnId} was graded {Words.Of(since.Grade)} by {since.Actor.Name} while it was open here" +
            (afterRefusedSave ? ", so yours was not saved." : ".");
        var replace = "to replace it with yours, press \"Save as a correction\" (Enter does not).";
        if (!_grade.Chosen)
        {
            _grade.Clear();
            replace = "your changes are kept: choose the grade yourself, then " + replace;
        }
        _correctionNeedsClick = true;
        _message = new StationMessage(Severity.Error, $"{what} Their grade is shown below; {replace}");
        return true;
    }

    private Task SubmitFromButtonAsync()
    {
        _correctionNeedsClick = false;
        return SubmitAsync();
    }

    private Task CloseItemAsync()
    {
        if (MayLeave(nextPlate: null))
        {
            CloseItem();
        }
        return Task.CompletedTask;
    }

    private void CloseItem()
    {
        _item = null;
        _pendingLeave = null;
        _unknownReturnId = null;
        ClearScan();
        ResetForm();
        _focusScan = true;
    }

    /// <summary>The photo editor closes onto the thumbnail that opened it: the focus fell to the page's body, and the next
    /// key had nothing to act on (keyboard pass, 2026-12-07).</summary>
    private void CloseEditor()
    {
        _focusThumbnailOf = _editingPhotoId;
        _editingPhotoId = null;
    }

    private void ResetForm()
    {
        _correctionNeedsClick = false;
        _openedAs = null;
        _openedOnDecision = null;
        _grade.Clear();
        _damage = [];
        _disposition.Clear();
        _prefillMinConfidence = null;
        _notes = null;
        _contradictionReason = null;
        _enterRefusedBecause = null;
        _flagForReview = false;
        _uploads.Clear();
        _regions = [];
        _history.Clear();
        _selectedRegion = null;
        _editingPhotoId = null;
        ForgetWhatWasKeptAside();
    }

    /// <summary>
    /// Runs one action of the associate's. What it does not expect is logged and told in plain words, and not
    /// rethrown: an exception escaping a Blazor Server event handler ends the circuit, and with it the unsaved form the
    /// associate would have to enter again. The form is left exactly as it was, so Save can simply be pressed again.
    /// </summary>
    /// <param name="notDone">What did not happen, in the associate's words, for a failure: "nothing was saved" (then
    /// the form is said to be kept), "the item was not opened".</param>
    private async Task RunBusyAsync(Func<Task> work, string notDone = NothingSaved)
    {
        _busy = true;
        var kept = notDone == NothingSaved ? " Your choices are still here." : "";
        try
        {
            await work();
        }
        catch (OperationCanceledException) when (_circuitGone.IsCancellationRequested)
        {
            // The page is gone: nobody to tell, nothing was written (writes never take the circuit's token).
        }
        catch (Exception e) when (Infrastructure.DomainProblemException.In(e) is { } refusal)
        {
            // A refusal in words (a note with a character the database cannot store, a field the rules refuse), also
            // wrapped by EF Core, is said as it is and not logged as a failure: it was "Something went wrong", logged as an
            // error. Signed out in another tab says what was not done itself; the page goes to the sign-in form shortly,
            // and the unsaved choices come back after signing in again (the draft is kept by item and person).
            _message = new StationMessage(Severity.Error, refusal is SignedOutException
                ? refusal.Message
                : $"{refusal.Message} {char.ToUpperInvariant(notDone[0])}{notDone[1..]}.{kept}");
        }
        catch (Exception e)
        {
            LogActionFailed(Logger, e, _item?.ReturnId ?? ScanText);
            _message = new StationMessage(Severity.Error, Infrastructure.TransientStoreFailureHandler.IsBusyWithNothingKept(e)
                ? $"The database was busy and {notDone}.{kept} Try again in a few seconds."
                : $"Something went wrong and {notDone}.{kept} Try again; if it keeps happening, call a supervisor.");
        }
        finally
        {
            _busy = false;
        }
        await OpenScannedWhileBusyAsync();
        if (_activeModelChangedWhileBusy && !_busy)
        {
            await FollowActiveModelIfShownAsync();
        }
    }

    private const string NothingSaved = "nothing was saved";

    [LoggerMessage(Level = LogLevel.Error, Message = "A station action failed for {ReturnId}; the form was kept")]
    private static partial void LogActionFailed(ILogger logger, Exception exception, string? returnId);

    /// <summary>Who a write is made for, checked as it is made: not someone who has signed out meanwhile (ADR 0041).</summary>
    private async Task<Actor> ActorAsync() => await Sessions.ActingAsync((await AuthenticationState).User, CancellationToken.None);

    protected override void OnInitialized() => Models.ActiveModelChanged += OnActiveModelChanged;

    public async ValueTask DisposeAsync()
    {
        Models.ActiveModelChanged -= OnActiveModelChanged;
        await _circuitGone.CancelAsync();
        await PageScripts.DetachAsync(_module);
        _self?.Dispose();
    }

    private sealed class NewItemForm
    {
        public string? Sku { get; set; }
        public string? Title { get; set; }
        public string? Category { get; set; }
        /// <summary>As typed: a number field would turn "-5" into 0 and "1e3" into 13 without a word (the exploratory pass,
        /// 2026-12-05); this is read strictly, and refused in plain words when it is not a plain amount.</summary>
        public string? UnitValue { get; set; }

        /// <summary>The amount, or null when the field is empty or not a plain amount like 249.50.</summary>
        public decimal? ParsedUnitValue =>
            decimal.TryParse(UnitValue?.Trim().TrimStart('$'), System.Globalization.NumberStyles.AllowDecimalPoint | System.Globalization.NumberStyles.AllowLeadingSign
                | System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    private sealed record StationMessage(Severity Severity, string Text);

    /// <summary>A box's label on the photo: its type, and the model's score when the model drew it.</summary>
    private static string LabelText(RegionEdit region) => region.Score is { } score ? $"{Words.Of(region.Type)} {score:0.00}" : Words.Of(region.Type);
}
