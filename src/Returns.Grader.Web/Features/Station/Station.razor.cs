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
using Returns.Grader.Web.Features.Grading;
using Returns.Grader.Web.Features.Items;

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
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private Models.ModelRegistry Models { get; set; } = default!;
    [Inject] private ILogger<Station> Logger { get; set; } = default!;
    [Inject] private Microsoft.Extensions.Options.IOptions<Photos.PhotoOptions> PhotoLimits { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    public string? ScanText { get; set; }

    private DecisionSummary? CurrentDecision => _item?.Decisions.FirstOrDefault(d => d.Id == _item.CurrentDecisionId);

    /// <summary>Everything the associate says is damage: the model's regions they kept, and the types they marked.</summary>
    private IReadOnlyList<DamageType> AllDamage => [.. _regions.Where(r => !r.Deleted).Select(r => r.Type), .. _damage];

    private bool Contradicts => _grade.Value is { } grade && Decisions.Rubric.Contradicts(grade, AllDamage);

    /// <summary>Whether the item's suggestion may prefill the form (null: there is none to show).</summary>
    private PrefillVerdict? Verdict => _item?.Suggestion is { } suggestion ? PrefillPolicy.Decide(suggestion, _prefillMinConfidence) : null;

    /// <summary>Why Save is not possible yet, in plain words; null when it is.</summary>
    private string? SubmitBlocker =>
        _item is null ? "Open an item first."
        : _uploads.Any(u => !u.Done && u.Error is null) ? "Wait for the photos to finish uploading."
        : _grade.Value is null ? "Pick a grade (keys 1–5)."
        : _disposition.Value is null ? "Choose a disposition."
        : Contradicts && string.IsNullOrWhiteSpace(_contradictionReason) ? "Say why the grade differs from the rubric."
        : null;

    private bool CanSubmit => !_busy && SubmitBlocker is null;

    /// <summary>The station's keys, as the "?" sheet lists them (station.js and shortcuts.js handle them).</summary>
    private static readonly IReadOnlyList<(string Keys, string Does)> StationShortcuts =
    [
        ("scan / type, Enter", "open the item with that licence plate (or announce a new one)"),
        ("1 … 5", "grade: 1 Like new … 5 Unsellable (not while typing in a field)"),
        ("Enter", "save the grade and go to the next item (in any field but the note)"),
        ("Tab / Shift+Tab", "move between the fields and buttons"),
        ("Esc", "close this list"),
    ];

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            _self = DotNetObjectReference.Create(this);
            _module = await JS.InvokeAsync<IJSObjectReference>("import", "/assets/js/station.js");
            await _module.InvokeVoidAsync("attach", _self);
            _actorId = (await ActorAsync()).Id;
            // The scan field was disabled while the page was only prerendered (a scan then would be lost); focus it now.
            _focusScan = true;
            // A reload in the middle of an item opens it again, with what the associate had chosen (Station.Drafts.cs).
            if (await LoadDraftAsync() is { } draft)
            {
                ScanText = draft.ReturnId;
                await OpenAsync();
            }
            StateHasChanged();
        }
        if (_focusItem && _module is not null)
        {
            // Keys 1–5 must reach the grade, not the scan field the plate was typed into (issue 17: "4" then Enter
            // looked up plate "4" and dropped the open item).
            _focusItem = false;
            _focusScan = false;
            await _module.InvokeVoidAsync("focusItem");
        }
        else if (_focusScan && _scanField is not null)
        {
            _focusScan = false;
            await _scanField.FocusAsync();
        }
        await StoreDraftAsync();
    }

    private async Task OpenAsync()
    {
        var plate = ScanText?.Trim();
        if (string.IsNullOrEmpty(plate) || _busy || !MayLeave(plate))
        {
            return;
        }
        await RunBusyAsync(async () =>
        {
            ResetForm();
            _message = null;
            var id = await Items.FindIdByReturnIdAsync(plate, _circuitGone.Token);
            if (id is null)
            {
                _item = null;
                _unknownReturnId = ReturnItems.NormalizeReturnId(plate);
                _newItem = new NewItemForm();
                return;
            }
            _unknownReturnId = null;
            _item = await Items.GetForStationAsync(id.Value, _circuitGone.Token);
            PrefillFromCurrentDecision();
            await PrefillFromSuggestionAsync();
            await RememberOpenedFormAsync();
            ScanText = "";
            _focusItem = true;
        });
    }

    private async Task CreateAsync()
    {
        if (_unknownReturnId is null || _busy)
        {
            return;
        }
        var request = new CreateReturnRequest(_unknownReturnId, _newItem.Sku, _newItem.Title, _newItem.Category, _newItem.UnitValue);
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
                ScanText = "";
                _focusItem = true;
            }
            catch (DuplicateReturnIdException)
            {
                // Someone announced it meanwhile: open theirs.
                ScanText = _unknownReturnId;
                _unknownReturnId = null;
                _busy = false;
                await OpenAsync();
            }
        });
    }

    /// <summary>
    /// A graded item opens as it was saved: its grade and disposition, its boxes on the photos as boxes (a correction
    /// saved from here keeps them), and the damage marked without a box as chips.
    /// </summary>
    private void PrefillFromCurrentDecision()
    {
        if (CurrentDecision is { } current)
        {
            _grade.Suggest(current.Grade);
            _regions = current.Damage.Select(RegionEdit.FromSaved).OfType<RegionEdit>().ToList();
            _damage = current.Damage.Where(d => d.Source != RegionSource.Deleted && !RegionEdit.IsBoxed(d)).Select(d => d.Type).ToList();
            _disposition.Suggest(current.Disposition);
        }
    }

    /// <summary>
    /// An item not graded yet starts from the model's suggestion when the model is familiar with its photos and sure
    /// enough (<see cref="PrefillPolicy"/>): its grade preselected, its regions to review. What the associate has not
    /// touched follows the current suggestion: a later photo that changes it changes the prefill, or withdraws it.
    /// </summary>
    private async Task PrefillFromSuggestionAsync()
    {
        if (_item is null)
        {
            return;
        }
        _prefillMinConfidence = _item.Suggestion is { } shown
            ? await Models.PrefillMinConfidenceForAsync(shown.ModelVersion, _circuitGone.Token)
            : null;
        if (CurrentDecision is not null)
        {
            return;
        }
        var prefill = Verdict == PrefillVerdict.Prefill ? _item.Suggestion : null;
        _grade.Suggest(prefill?.Grade);
        _disposition.Suggest(_grade.Value is { } grade ? Decisions.SuggestDisposition(grade, _item.Category) : null);

        // The model's regions the associate left as they are follow the suggestion; edited, rejected and drawn ones stay.
        var suggested = (prefill?.Damage ?? []).Select(RegionEdit.From).OfType<RegionEdit>().ToList();
        var current = suggested.Select(SuggestionKey).ToHashSet();
        _regions.RemoveAll(r => r.Source == RegionSource.Accepted && !current.Contains(SuggestionKey(r)));
        var known = _regions.Select(SuggestionKey).ToHashSet();
        _regions.AddRange(suggested.Where(r => known.Add(SuggestionKey(r))));
    }

    private static (Guid, DamageType, string) SuggestionKey(RegionEdit region) =>
        (region.PhotoId, region.SuggestedType, string.Join(',', region.SuggestedBox));

    private void SelectGrade(Grade grade)
    {
        _grade.Choose(grade);
        // A new item's disposition follows the grade until the associate chooses one; a correction keeps the current one.
        if (_item is not null && CurrentDecision is null)
        {
            _disposition.Suggest(Decisions.SuggestDisposition(grade, _item.Category));
        }
    }

    private void MarkDamage(IReadOnlyList<DamageType> damage) => _damage = damage.ToList();

    private void ChooseDisposition(Disposition? disposition) => _disposition.Choose(disposition);

    private async Task SubmitAsync()
    {
        if (!CanSubmit || _item is null)
        {
            return;
        }
        var item = _item;
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
                Snackbar.Add($"{item.ReturnId} saved as {Words.Of(decision.Grade)}.", Severity.Success);
                _message = null;
                CloseItem();
            }
            catch (ConcurrencyConflictException e)
            {
                _message = new StationMessage(Severity.Error,
                    $"{e.Message} Their grade is shown below; to replace it with yours, press \"Save as a correction\" (Enter does not).");
                _item = await Items.GetForStationAsync(item.Id, _circuitGone.Token);
                _correctionNeedsClick = true;
            }
            catch (GradeValidationException e)
            {
                _message = new StationMessage(Severity.Error, string.Join(" ", e.Errors.Values.SelectMany(v => v)));
            }
            catch (ItemNotFoundException)
            {
                _message = new StationMessage(Severity.Error, $"{item.ReturnId} no longer exists. Scan it again.");
                CloseItem();
            }
        });
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
        ScanText = "";
        ResetForm();
        _focusScan = true;
    }

    private void ResetForm()
    {
        _correctionNeedsClick = false;
        _openedAs = null;
        _grade.Clear();
        _damage = [];
        _disposition.Clear();
        _prefillMinConfidence = null;
        _notes = null;
        _contradictionReason = null;
        _flagForReview = false;
        _uploads.Clear();
        _regions = [];
        _editingPhotoId = null;
    }

    /// <summary>
    /// Runs one action of the associate's. What it does not expect is logged and told in plain words, and not
    /// rethrown: an exception escaping a Blazor Server event handler ends the circuit, and with it the unsaved form the
    /// associate would have to enter again. The form is left exactly as it was, so Save can simply be pressed again.
    /// </summary>
    private async Task RunBusyAsync(Func<Task> work)
    {
        _busy = true;
        try
        {
            await work();
        }
        catch (OperationCanceledException) when (_circuitGone.IsCancellationRequested)
        {
            // The page is gone: nobody to tell, nothing was written (writes never take the circuit's token).
        }
        catch (Exception e)
        {
            LogActionFailed(Logger, e, _item?.ReturnId ?? ScanText);
            _message = new StationMessage(Severity.Error, "Something went wrong and nothing was saved. Your choices are still here: try again; if it keeps happening, call a supervisor.");
        }
        finally
        {
            _busy = false;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A station action failed for {ReturnId}; the form was kept")]
    private static partial void LogActionFailed(ILogger logger, Exception exception, string? returnId);

    private async Task<Actor> ActorAsync() => Actor.From((await AuthenticationState).User);

    // ---- Called by station.js -------------------------------------------------------------

    [JSInvokable]
    public async Task OnGradeKey(int key)
    {
        if (_item is not null && GradePicker.FromKey(key) is { } grade)
        {
            SelectGrade(grade);
            await InvokeAsync(StateHasChanged);
        }
    }

    [JSInvokable]
    public async Task OnSubmitKey()
    {
        if (_item is not null && !_correctionNeedsClick)
        {
            await InvokeAsync(SubmitAsync);
            await InvokeAsync(StateHasChanged);
        }
    }

    [JSInvokable]
    public async Task OnUploadStarted(string uploadId, string fileName)
    {
        _uploads.Add(new PhotoUpload(uploadId, fileName));
        await InvokeAsync(StateHasChanged);
    }

    [JSInvokable]
    public async Task OnUploadProgress(string uploadId, double percent)
    {
        if (_uploads.Find(u => u.Id == uploadId) is { } upload)
        {
            upload.RetryInSeconds = null; // sending again
            upload.Percent = percent;
            await InvokeAsync(StateHasChanged);
        }
    }

    /// <summary>The server answered "busy" (503/429): station.js sends the photo again after the given wait.</summary>
    [JSInvokable]
    public async Task OnUploadBusy(string uploadId, int retryInSeconds, int attempt, int maxAttempts)
    {
        if (_uploads.Find(u => u.Id == uploadId) is { } upload)
        {
            upload.RetryInSeconds = retryInSeconds;
            upload.Attempt = attempt;
            upload.MaxAttempts = maxAttempts;
            upload.Percent = 0;
            await InvokeAsync(StateHasChanged);
        }
    }

    /// <summary>station.js moved or resized a region on the photo editor (box in stored-photo pixels).</summary>
    [JSInvokable]
    public async Task OnRegionMoved(int index, int x, int y, int width, int height)
    {
        if (index >= 0 && index < _regions.Count && ClampToPhoto(_regions[index].PhotoId, x, y, width, height) is { } box)
        {
            _regions[index].Box = box;
            await InvokeAsync(StateHasChanged);
        }
    }

    /// <summary>station.js reports a box the associate drew on a photo.</summary>
    [JSInvokable]
    public async Task OnRegionDrawn(string photoId, int x, int y, int width, int height)
    {
        if (Guid.TryParse(photoId, out var id) && ClampToPhoto(id, x, y, width, height) is { } box)
        {
            _regions.Add(RegionEdit.Drawn(id, _newRegionType, box));
            await InvokeAsync(StateHasChanged);
        }
    }

    /// <summary>Keeps a box inside its photo; too small to mean anything (a click, not a drag) gives null.</summary>
    private int[]? ClampToPhoto(Guid photoId, int x, int y, int width, int height)
    {
        if (_item?.Photos.FirstOrDefault(p => p.PhotoId == photoId) is not { } photo)
        {
            return null;
        }
        var left = Math.Clamp(x, 0, photo.Width - 1);
        var top = Math.Clamp(y, 0, photo.Height - 1);
        var right = Math.Clamp(x + width, left + 1, photo.Width);
        var bottom = Math.Clamp(y + height, top + 1, photo.Height);
        var minimum = Math.Max(4, Math.Max(photo.Width, photo.Height) / 200);
        return right - left < minimum || bottom - top < minimum ? null : [left, top, right - left, bottom - top];
    }

    /// <summary>The endpoint answered: on success the photos are already stored, so the item is reloaded from the database.</summary>
    [JSInvokable]
    public async Task OnUploadFinished(string uploadId, int status, string body)
    {
        var upload = _uploads.Find(u => u.Id == uploadId);
        if (upload is null || _item is null)
        {
            return;
        }
        if (status == 201)
        {
            upload.Done = true;
            upload.Percent = 100;
            _item = await Items.GetForStationAsync(_item.Id, _circuitGone.Token) ?? _item;
            _uploads.Remove(upload);
            await PrefillFromSuggestionAsync();
        }
        else
        {
            upload.RetryInSeconds = null;
            upload.Error = UploadErrorText(status, body);
        }
        await InvokeAsync(StateHasChanged);
    }

    /// <summary>Turns the endpoint's problem response into words for the associate.</summary>
    public static string UploadErrorText(int status, string body)
    {
        string? detail = null;
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.TryGetProperty("detail", out var d))
            {
                detail = d.GetString();
            }
        }
        catch (JsonException)
        {
        }
        return status switch
        {
            0 => "The photo did not reach the server (network). Try again.",
            401 => "You have been signed out. Reload the page and sign in again.",
            503 or 429 => "The server stayed busy and this photo was not kept. Add it again in a minute; if this keeps happening, call a supervisor.",
            413 or 415 or 400 when detail is not null => $"Photo not kept: {detail}",
            _ => $"Photo not kept (error {status}). Try again or take the photo again.",
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _circuitGone.CancelAsync();
        if (_module is not null)
        {
            try
            {
                await _module.InvokeVoidAsync("detach");
                await _module.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
                // The browser is gone; nothing to detach.
            }
        }
        _self?.Dispose();
    }

    private sealed class NewItemForm
    {
        public string? Sku { get; set; }
        public string? Title { get; set; }
        public string? Category { get; set; }
        public decimal? UnitValue { get; set; }
    }

    private sealed record StationMessage(Severity Severity, string Text);
}
