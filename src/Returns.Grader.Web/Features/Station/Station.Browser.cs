using System.Text.Json;
using Microsoft.JSInterop;
using Returns.Grader.Web.Components.Grading;

namespace Returns.Grader.Web.Features.Station;

/// <summary>The station's browser side: what station.js calls (keys, uploads, boxes drawn and moved) and its words for upload errors.</summary>
public sealed partial class Station
{
    /// <summary>
    /// Keys that change the item are not heard while the unsaved-choices question is showing: a scanner's plate typed
    /// with the item open arrived as grade keys behind the question ("Keep working" takes Enter, not the digits) and
    /// changed the associate's grade, as chosen (review of the station, 2026-12-06). (Not while an item opens: a key
    /// pressed as soon as the item shows belongs to it.)
    /// </summary>
    private bool KeysHeld => _pendingLeave is not null;

    [JSInvokable]
    public async Task OnGradeKey(int key)
    {
        if (KeysHeld)
        {
            return;
        }
        if (_item is not null && GradePicker.FromKey(key) is { } grade)
        {
            SelectGrade(grade);
            await InvokeAsync(StateHasChanged);
        }
    }

    [JSInvokable]
    public async Task OnSubmitKey()
    {
        if (_item is not null && !_correctionNeedsClick && !KeysHeld)
        {
            if (!_busy && Blocker is { } blocker)
            {
                _enterRefusedBecause = blocker.Words;
                _refusedEnters++;
                _focusBlockingField = blocker.Field;
                await InvokeAsync(StateHasChanged);
                return;
            }
            await InvokeAsync(SubmitAsync);
            await InvokeAsync(StateHasChanged);
        }
    }

    /// <summary>
    /// A plate a scanner typed while the focus was outside the scan field (scan-keys.js tells a scanner's burst of keys
    /// from a person's): it opens as if scanned into the field, unsaved choices asked about first. While a save or a
    /// lookup is under way it waits for it, then opens: scanned the moment Save was pressed, the plate was lost.
    /// </summary>
    [JSInvokable]
    public async Task OnScanned(string plate)
    {
        if (_busy)
        {
            _scannedWhileBusy = plate;
            return;
        }
        await InvokeAsync(() => TakeScanAsync(plate));
        await InvokeAsync(StateHasChanged);
    }

    /// <summary>
    /// A scan from outside the scan field opens its plate, except while the new-item form is open: what is scanned then is
    /// the label's SKU (with the focus left on "Add item" after a refusal, it opened as a plate, dropped what was typed
    /// into the form, and the SKU could be filed as a licence plate; review of the station, 2026-12-06). It fills an empty
    /// SKU; over a typed one it is said, not taken.
    /// </summary>
    private async Task TakeScanAsync(string plate)
    {
        if (_unknownReturnId is { } unknown)
        {
            if (string.IsNullOrWhiteSpace(_newItem.Sku))
            {
                _newItem.Sku = plate.Trim();
                _focusNewItem = true;
            }
            else
            {
                _message = new StationMessage(MudBlazor.Severity.Warning,
                    $"{plate.Trim()} was scanned while {unknown} is being added: to look it up, scan it into the plate field above.");
            }
            return;
        }
        await OpenAsync(plate);
    }

    /// <summary>A plate scanned while the station was busy, opened when it is done (the last one, if several came).</summary>
    private string? _scannedWhileBusy;

    private async Task OpenScannedWhileBusyAsync()
    {
        if (_busy || _circuitGone.IsCancellationRequested || _scannedWhileBusy is not { } plate)
        {
            return;
        }
        _scannedWhileBusy = null;
        if (_message is { Severity: MudBlazor.Severity.Error })
        {
            // What was being done failed (a save refused: the item became final, or was deleted): opening the next plate
            // would clear the words saying so before anyone read them. The plate waits in the scan field for an Enter.
            ScanText = plate;
            return;
        }
        await TakeScanAsync(plate);
    }

    /// <summary>
    /// Photos the associate dropped or picked on the drop zone of <paramref name="itemId"/> (null: no item shown): taken
    /// for that item — registered as on their way, under station.js's <paramref name="uploadIds"/>, before it sends them —
    /// or refused with a notice saying why, and not sent. This call reaches the station after every scan, Enter and click
    /// made before it, so it knows what the page does not show yet: a photo dropped as the next plate was scanned, or as
    /// the item was saved, went to the item still on screen (ADR 0047). Registered here, not by a later call, so that an
    /// Enter or a scan right after the drop finds the photo on its way. The notice is a snackbar: it outlasts the save or
    /// lookup under way, which clears the station's message.
    /// </summary>
    [JSInvokable]
    public async Task<bool> TakesPhotosFor(string? itemId, string[] uploadIds, string[] fileNames)
    {
        ArgumentNullException.ThrowIfNull(uploadIds);
        ArgumentNullException.ThrowIfNull(fileNames);
        var refusal = _busy ? "an item was opening or being saved. Add it again once its item shows."
            : _unknownReturnId is not null ? "the item is not added yet. Add it first (Add item), then its photos."
            : _item is null ? "no item is open. Scan the item first, then add its photos."
            : !string.Equals(_item.Id.ToString(), itemId, StringComparison.OrdinalIgnoreCase) ? "another item is opening. Add it again once its item shows."
            : _pendingLeave is not null ? "the question about the unsaved choices is open. Answer it, then add the photo again."
            : uploadIds.Length != fileNames.Length ? "the page sent it incompletely. Add it again."
            : null;
        if (refusal is not null)
        {
            Snackbar.Add($"The photo was not added: {refusal}", MudBlazor.Severity.Warning);
            return false;
        }
        for (var i = 0; i < uploadIds.Length; i++)
        {
            _uploads.Add(new PhotoUpload(uploadIds[i], fileNames[i]));
        }
        await InvokeAsync(StateHasChanged);
        return true;
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

    /// <summary>
    /// station.js moved or resized a region on the photo editor (box in stored-photo pixels). Returns the box as kept,
    /// which station.js draws: a box dragged off the photo vanished from the editor while the old one stayed saved
    /// (exploratory pass, 2026-12-05), since a render that changes nothing does not touch what the drag had moved.
    /// </summary>
    [JSInvokable]
    public async Task<int[]?> OnRegionMoved(long key, int x, int y, int width, int height)
    {
        // Gone since the drag began (a new suggestion withdrew it): nothing to move, and no other region is moved instead.
        if (_regions.Find(r => r.Key == key) is not { } region)
        {
            return null;
        }
        // Same size: a move, kept whole inside the photo (clamping its edges would shrink it); otherwise a resize.
        var box = region.Box is [_, _, var w, var h] && w == width && h == height
            ? KeepInsidePhoto(region.PhotoId, x, y, width, height)
            : ClampToPhoto(region.PhotoId, x, y, width, height);
        if (box is not null && !box.SequenceEqual(region.Box))
        {
            _history.Record(_regions);
            region.Box = box;
            await InvokeAsync(StateHasChanged);
        }
        return region.Box;
    }

    /// <summary>A moved box shifted back inside its photo at its own size (or clamped, if it is larger than the photo).</summary>
    private int[]? KeepInsidePhoto(Guid photoId, int x, int y, int width, int height)
    {
        if (_item?.Photos.FirstOrDefault(p => p.PhotoId == photoId) is not { } photo || width > photo.Width || height > photo.Height)
        {
            return ClampToPhoto(photoId, x, y, width, height);
        }
        return [Math.Clamp(x, 0, photo.Width - width), Math.Clamp(y, 0, photo.Height - height), width, height];
    }

    /// <summary>station.js reports a box the associate drew on a photo.</summary>
    [JSInvokable]
    public async Task OnRegionDrawn(string photoId, int x, int y, int width, int height)
    {
        if (Guid.TryParse(photoId, out var id) && ClampToPhoto(id, x, y, width, height) is { } box)
        {
            AddDrawnRegion(id, box);
            await InvokeAsync(StateHasChanged);
        }
    }

    /// <summary>A box the associate drew (by pointer or by B), of the type chosen for new damage; one undoable edit.</summary>
    private RegionEdit AddDrawnRegion(Guid photoId, int[] box)
    {
        _history.Record(_regions);
        var region = RegionEdit.Drawn(photoId, _newRegionType, box);
        _regions.Add(region);
        return region;
    }

    /// <summary>
    /// B outside a text field: a new box of the type chosen for new damage, a quarter of the part of the photo on screen
    /// and centred on it (the centre and visible size as shares of the photo, from station.js), chosen at once so the
    /// arrow keys place it. On the open photo; with none open, on the item's first photo, which opens. Boxes could only
    /// be drawn with a pointer before (keyboard audit, 2026-12-05).
    /// </summary>
    [JSInvokable]
    public async Task OnDrawKey(double centreX, double centreY, double visibleWidth, double visibleHeight)
    {
        var photo = _item?.Photos.FirstOrDefault(p => p.PhotoId == _editingPhotoId) ?? (_item?.Photos is [var first, ..] ? first : null);
        if (KeysHeld || photo is null || !double.IsFinite(centreX + centreY + visibleWidth + visibleHeight))
        {
            return;
        }
        var width = (int)Math.Round(Math.Clamp(visibleWidth, 0.05, 1) * photo.Width / 4);
        var height = (int)Math.Round(Math.Clamp(visibleHeight, 0.05, 1) * photo.Height / 4);
        var x = (int)Math.Round(Math.Clamp(centreX, 0, 1) * photo.Width) - width / 2;
        var y = (int)Math.Round(Math.Clamp(centreY, 0, 1) * photo.Height) - height / 2;
        if (KeepInsidePhoto(photo.PhotoId, x, y, width, height) is { } box && ClampToPhoto(photo.PhotoId, box[0], box[1], box[2], box[3]) is not null)
        {
            _selectedRegion = AddDrawnRegion(photo.PhotoId, box);
            _editingPhotoId = photo.PhotoId;
            await InvokeAsync(StateHasChanged);
        }
    }

    /// <summary>
    /// An arrow key with a region chosen: the region moves by a hundredth of its photo's long side that way, kept whole
    /// inside the photo; with Shift it grows or shrinks from its bottom-right corner (as its handle does with a
    /// pointer), never below the smallest box the station keeps. Each press is one undoable edit.
    /// </summary>
    [JSInvokable]
    public async Task OnRegionNudge(int dx, int dy, bool resize)
    {
        if (KeysHeld || _selectedRegion is not { Deleted: false } region || !_regions.Contains(region)
            || _item?.Photos.FirstOrDefault(p => p.PhotoId == region.PhotoId) is not { } photo)
        {
            return;
        }
        var step = Math.Max(1, (int)Math.Round(Math.Max(photo.Width, photo.Height) / 100.0));
        var (sx, sy) = (Math.Sign(dx) * step, Math.Sign(dy) * step);
        var (x, y, width, height) = region.Box is [var bx, var by, var bw, var bh] ? (bx, by, bw, bh) : (0, 0, 0, 0);
        // The pointer's rules (OnRegionMoved): the same size is a move kept inside the photo, another size a resize.
        await (resize
            ? OnRegionMoved(region.Key, x, y, width + sx, height + sy)
            : OnRegionMoved(region.Key, x + sx, y + sy, width, height));
    }

    /// <summary>N, P, A, R and Shift+1..6 outside a text field: see <see cref="RegionKey"/>.</summary>
    [JSInvokable]
    public async Task OnRegionKey(string action, int typeNumber)
    {
        if (KeysHeld)
        {
            return;
        }
        RegionKey(action, typeNumber);
        await InvokeAsync(StateHasChanged);
    }

    /// <summary>Ctrl+Z outside a text field: the last region edit is undone.</summary>
    [JSInvokable]
    public async Task OnUndoKey()
    {
        if (KeysHeld)
        {
            return;
        }
        UndoRegions();
        await InvokeAsync(StateHasChanged);
    }

    /// <summary>Ctrl+Shift+Z or Ctrl+Y outside a text field: the last undone region edit is done again.</summary>
    [JSInvokable]
    public async Task OnRedoKey()
    {
        if (KeysHeld)
        {
            return;
        }
        RedoRegions();
        await InvokeAsync(StateHasChanged);
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
            var graded = CurrentDecision?.Id;
            var touched = HasUnsavedChoices;
            _item = await Items.GetForStationAsync(_item.Id, _circuitGone.Token) ?? _item;
            var takenOff = DropBoxesOffSetAsidePhotos();
            _uploads.Remove(upload);
            // Someone graded the item while the photo was on its way: as after a refused save (review of the session's
            // diff: the model's prefill stayed, and Enter saved it as a correction over their grade).
            if (!await FollowSomeoneElsesGradeAsync(graded, touched, afterRefusedSave: false))
            {
                await PrefillFromSuggestionAsync();
                if (SetAsideAmong(body) > 0)
                {
                    // The same photo sent again is the copy kept before, which someone set aside: said, not a silent no-op.
                    _message = new StationMessage(MudBlazor.Severity.Warning,
                        "That photo was set aside before, so it does not count for this item. If it does show this item, put it back from the list below the photos." + takenOff.Said);
                }
                else if (takenOff.Said.Length > 0)
                {
                    _message = new StationMessage(MudBlazor.Severity.Warning, $"{_item.ReturnId}:{takenOff.Said}");
                }
            }
        }
        else
        {
            upload.RetryInSeconds = null;
            upload.Error = UploadErrorText(status, body);
        }
        await InvokeAsync(StateHasChanged);
    }

    /// <summary>How many photos of an upload's answer are copies kept before and set aside (ADR 0052).</summary>
    private static int SetAsideAmong(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("photos", out var photos) && photos.ValueKind == JsonValueKind.Array
                ? photos.EnumerateArray().Count(p => p.TryGetProperty("setAside", out var reason) && reason.ValueKind == JsonValueKind.String)
                : 0;
        }
        catch (JsonException)
        {
            return 0;
        }
    }

    /// <summary>Turns the endpoint's problem response into words for the associate.</summary>
    public static string UploadErrorText(int status, string body)
    {
        string? detail = null;
        string? reason = null;
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.TryGetProperty("detail", out var d))
            {
                detail = d.GetString();
            }
            if (json.RootElement.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String)
            {
                reason = r.GetString();
            }
        }
        catch (JsonException)
        {
        }
        return status switch
        {
            0 => "The photo did not reach the server (network). Try again.",
            401 => "You have been signed out. Reload the page and sign in again.",
            503 when reason == "photo_store_failed" && detail is not null => $"Photo not kept: {detail}",
            503 or 429 => "The server stayed busy and this photo was not kept. Add it again in a minute; if this keeps happening, call a supervisor.",
            413 or 415 or 400 or 409 when detail is not null => $"Photo not kept: {detail}",
            _ => $"Photo not kept (error {status}). Try again or take the photo again.",
        };
    }
}
