// Grading station helpers that must not wait for a server round trip:
// keyboard (grades 1–5, Enter to save) and photo uploads straight to the HTTP API with per-file progress.
// Photos go over plain HTTP rather than Blazor's InputFile, which streams through the circuit in small chunks
// and slows to a crawl on high-latency warehouse Wi-Fi (dotnet/aspnetcore#58447).

import { isPlainCharacter, isTypingTarget } from "./typing.js";
import { regionKeyOf } from "./region-keys.js";
import { listenForScans, stopListeningForScans } from "./scan-keys.js";

let station = null;
let uploadCounter = 0;

/** Controls whose Enter is their own: pressing them, following them, choosing a file. */
const ownEnter = "button, a[href], summary, [role=button], [role=link], [role=menuitem], [role=tab], [role=switch], " +
  "[role=checkbox], input[type=file], input[type=checkbox], input[type=radio], input[type=button], input[type=submit]";

// ---- A grade button or damage chip the keyboard has just moved to (Tab), before any other key was pressed (modifier keys
// alone, as a screen-reader user's Control to stop speech, do not count). Enter there presses it, as Enter presses any
// button; after any other key, a click, or with the focus come by pointer, Enter saves, as the pickers' Enter always did
// for a mouse user who clicks a grade and presses Enter. Tab to "Scratch" and Enter saved the item as it was, without the
// scratch (keyboard pass, 2026-12-07).
let tabPressed = false;
let reachedByTab = null;
const modifierOnly = new Set(["Shift", "Control", "Alt", "Meta", "CapsLock", "AltGraph"]);

// Heard last (the window, bubbling): only a Tab the browser will act on moves the focus "by Tab". A Tab the shortcut
// sheet took to close itself, which put the focus back by script, made the next Enter press the chip a second time
// (review of the change).
function onTabKey(event) {
  if (event.key === "Tab") tabPressed = !event.defaultPrevented;
}

function onFocusIn(event) {
  reachedByTab = tabPressed && event.target instanceof Element ? event.target : null;
  tabPressed = false;
}

function onPointerFocus() {
  reachedByTab = null;
  tabPressed = false;
}

/** The picker control (grade button, damage chip) whose Enter is its own now: reached by Tab, nothing pressed on it yet. */
function untouchedPickerControl(target) {
  const control = target && target.closest("[data-enter-saves] button, [data-enter-saves] .mud-chip");
  return control && control === reachedByTab && !control.closest("[data-remove-damage]") ? control : null;
}

function onKeyDown(event) {
  if (!station) return;
  const target = event.target instanceof Element ? event.target : null;
  const untouched = event.key === "Enter" && !event.defaultPrevented ? untouchedPickerControl(target) : null;
  // A key pressed on it (arrows aside, which do nothing on a picker): its Enter saves from now on. Before the check of a
  // key another handler took: MudChip takes Space, with which it marks the chip, and Enter after it marked the chip again
  // (regression pass, 2026-12-07).
  if (event.key !== "Tab" && !modifierOnly.has(event.key) && !arrows[event.key]) reachedByTab = null;
  if (event.defaultPrevented) return;
  const typing = isTypingTarget(target);
  // While a plate waits for the plate field, its keys wait with it, those the field got meanwhile too (review of the diff).
  if ((!typing || (target && target.id === "scan")) && typeAheadTakes(event)) return;
  // A plate's later key given back by scan-keys.js to where the focus was before its first key moved it (a person's
  // two-key roll, 30-60 ms apart, ADR 0046): text for the plate field, never a shortcut on the item.
  const plateField = document.getElementById("scan");
  if (!typing && plateField && document.activeElement === plateField && !plateField.disabled && isPlainCharacter(event)) {
    event.preventDefault();
    document.execCommand("insertText", false, event.key);
    return;
  }
  // Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y undo and redo region edits, except in a text field (where they undo typing).
  if ((event.ctrlKey || event.metaKey) && !event.altKey && !typing && document.querySelector("[data-grading-form]")) {
    const key = event.key.toLowerCase();
    if (key === "z" || key === "y") {
      event.preventDefault();
      station.invokeMethodAsync(key === "y" || event.shiftKey ? "OnRedoKey" : "OnUndoKey");
      return;
    }
  }
  if (event.ctrlKey || event.altKey || event.metaKey) return;
  if (target && target.closest("[data-no-enter-submit]")) return; // the scan and new-item forms handle their own Enter
  if (!document.querySelector("[data-grading-form]")) {              // no item open: a character starts a plate
    // not while the new item's form is shown: its SKU typed off its fields would drop the form unasked (review of the diff)
    if (!typing && startsAPlate(event) && !document.querySelector("[data-testid=create-item]")) typeIntoPlateField(event);
    return;
  }

  const viewer = document.querySelector("[data-photo-viewer]");
  if (viewer && !typing && viewerKeys[event.key]) {
    event.preventDefault();
    viewerKeys[event.key](viewer);
    return;
  }
  // Region keys (region-keys.js): N/P choose, A/R accept/reject, Shift+1..6 the type.
  if (!typing && !(target && target.closest(".mud-popover-open"))) {
    const regionKey = regionKeyOf(event);
    if (regionKey) {
      event.preventDefault();
      station.invokeMethodAsync("OnRegionKey", ...regionKey);
      return;
    }
    // B draws a box where the associate is looking; the arrow keys move the chosen box (Shift: resize). Not in a list
    // or a picker, whose arrows are their own, and only while the chosen box is drawn on the open photo.
    if (event.key.toLowerCase() === "b" && !event.shiftKey) {
      event.preventDefault();
      drawBoxWhereLooking();
      return;
    }
    const arrow = arrows[event.key];
    if (arrow && document.querySelector("[data-region-editor] .region-box-selected")
        && !(target && target.closest(".mud-select, .mud-input-control, [role=listbox], [role=combobox], [role=radiogroup], [role=radio]"))) {
      event.preventDefault();
      station.invokeMethodAsync("OnRegionNudge", arrow[0], arrow[1], event.shiftKey);
      return;
    }
    if (event.key.toLowerCase() === "d" && !event.shiftKey) {
      // an empty list (no grade yet) is a read-only input with no tabindex: D did nothing there (review of the station)
      const disposition = document.querySelector("[data-testid=disposition][tabindex], [data-testid=disposition] [tabindex], " +
        "input[data-testid=disposition], [data-testid=disposition] input");
      event.preventDefault(); // D is the disposition's key even before there is one to choose: never a plate's start
      disposition?.focus();
      return;
    }
  }
  if (event.key >= "1" && event.key <= "5" && !typing) {
    event.preventDefault();
    station.invokeMethodAsync("OnGradeKey", Number(event.key));
  } else if (event.key === "Enter" && !(target && target.tagName === "TEXTAREA")) {
    // Enter in the note or the reason field saves too; a MudSelect that is open keeps its own Enter.
    if (target && target.closest(".mud-popover-open")) return;
    // A held Enter's repeats neither save nor press: held on a chip reached by Tab, it pressed the chip and then tried to
    // save (regression pass, 2026-12-07).
    if (event.repeat && target && target.closest("[data-enter-saves]")) {
      event.preventDefault();
      return;
    }
    // A button or link with the focus does what it says: Enter on "Next item" saved the item the associate meant to
    // skip, and on "Not damage" saved the box as damage (keyboard audit, 2026-12-05). The grade, damage and disposition
    // pickers ([data-enter-saves]) still save: a mouse user clicks a grade or a damage type and presses Enter.
    // A damage mark's "Remove one" button sits among them, and does what it says too: Enter there saved the item with
    // the mark still on it (review of the station, 2026-12-06).
    if (target && target.closest(ownEnter) && (!target.closest("[data-enter-saves]") || target.closest("[data-remove-damage]"))) return;
    event.preventDefault();
    if (untouched) {
      untouched.click();
      return;
    }
    submit();
  } else if (!typing && !(target && target.closest(".mud-popover-open")) && startsAPlate(event)) {
    typeIntoPlateField(event); // no shortcut here: a plate typed by hand
  }
}

// ---- A plate typed by hand with the focus outside the plate field (exploratory browser pass, 2026-12-06). A person's
// keys are shortcuts there, and a scanner's burst is told apart by its speed (scan-keys.js), but a person typing
// "LP-2043" and Enter on an open item opened the photo's boxes (P), zoomed out (-), graded it with the digits and saved
// it, as the associate's choice; an item with no photo was saved Like new. A character that is no shortcut where it is
// typed, or "/", now goes to the plate field with the focus, and the rest of the plate follows there as text; Enter
// there opens the plate, asking first about unsaved choices. A plate that starts with a shortcut's key still starts as
// that shortcut: "/" first, or a click, puts the focus in the field. While the field is disabled (a save under way)
// what is typed waits, up to typeAheadWaitMs, Enter included: typed right after Enter, a plate lost its first letter and
// the station offered to announce the rest as a new item.
const typeAheadWaitMs = 15000;
// After a save the page clears the plate field, and that clear came after letters typed meanwhile (the field is not
// disabled until the save's first render). So what is typed while a save is under way waits for the page to say the
// field is settled (plateFieldSettled), or, failing that, this long after the save is done.
const settleFallbackMs = 1500;
let typeAhead = null; // { text, enter, since, waited, settled, freeAt }: typed for the plate field before it could take it
// A save started by a click on Save has no promise here (Enter's has: pendingSaves). Between the click and the save's
// first render (which disables the plate field, and then what is typed waits anyway) what is typed waits as it does after
// Enter: typed right after the click, a plate went into the field before the save's clear wiped its first letters
// (review of the twenty-sixth session). Only that gap: a click whose save failed, or never started, would otherwise hold
// every later plate's Enter back (review of this change).
const clickedSaveGapMs = 1000;
let clickedSaveAt = -Infinity;
const clickedSaveUnderWay = () => performance.now() - clickedSaveAt < clickedSaveGapMs;

function onSaveClick(event) {
  if (event.target instanceof Element && event.target.closest("[data-testid=submit]:not([disabled])")) clickedSaveAt = performance.now();
}

const startsAPlate = (event) => isPlainCharacter(event) && !event.repeat;

function typeIntoPlateField(event) {
  event.preventDefault();
  const sheet = document.querySelector("[data-shortcut-sheet]");
  if (sheet) sheet.hidden = true; // its Escape would put the focus back mid-plate
  typeAhead = { text: event.key === "/" ? "" : event.key, enter: false, since: performance.now(), waited: clickedSaveUnderWay(), settled: false, freeAt: 0 };
  flushTypeAhead();
}

/** The page has done with the plate field after a render (cleared it, focused it): what waits for it goes in now. */
export function plateFieldSettled() {
  clickedSaveAt = -Infinity;
  if (typeAhead) typeAhead.settled = true;
  flushTypeAhead();
}

/** While a plate waits for the plate field, its characters and its Enter wait with it; Escape lets it go. */
function typeAheadTakes(event) {
  if (!typeAhead || event.ctrlKey || event.altKey || event.metaKey) return false;
  if (isPlainCharacter(event)) typeAhead.text += event.key;
  else if (event.key === "Backspace") typeAhead.text = typeAhead.text.slice(0, -1);
  else if (event.key === "Enter") typeAhead.enter = true;
  else if (event.key === "Escape") typeAhead = null;
  else return false;
  event.preventDefault();
  return true;
}

function flushTypeAhead() {
  if (!typeAhead) return;
  const field = document.getElementById("scan");
  const now = performance.now();
  const busy = !field || field.disabled || pendingSaves > 0; // a save under way: the page clears the field when it is done
  if (busy) {
    typeAhead.waited = true;
    typeAhead.freeAt = 0;
  } else if (typeAhead.waited && !typeAhead.freeAt) {
    typeAhead.freeAt = now;
  }
  if (busy || (typeAhead.waited && !typeAhead.settled && now - typeAhead.freeAt < settleFallbackMs)) {
    if (now - typeAhead.since > typeAheadWaitMs) typeAhead = null;
    else setTimeout(flushTypeAhead, 50);
    return;
  }
  const { text, enter } = typeAhead;
  typeAhead = null;
  field.focus();
  field.select(); // a new plate replaces what the field held
  if (text) document.execCommand("insertText", false, text);
  // Enter only once the save is done and its item gone: after a save that failed, the item and its message stay, and the
  // plate waits in the field for the associate's own Enter (it opened the next plate and the message went; review).
  if (enter && field.form && !document.querySelector("[data-grading-form]")) {
    field.dispatchEvent(new Event("change", { bubbles: true })); // the field's value reaches the page before its submit
    field.form.requestSubmit();
  }
}

// ---- A save the server has not heard of yet. Offline, Enter showed nothing until the connection was back (the save
// then happened once; resilience pass, 2026-12-05): the associate could not tell a heard key from a lost one, and
// walked away or pressed again. After a moment without an answer the page says what is going on, in plain words.
const pendingAfterMs = 700;
let pendingSaves = 0;

function showPending(text) {
  const status = document.querySelector("[data-pending-action]");
  if (!status) return;
  status.textContent = text;
  status.hidden = !text;
}

/** Whether Blazor is rejoining the server: its reconnection display (blazor.web.js's own, ADR 0060) is shown. */
function rejoining() {
  return document.getElementById("components-reconnect-modal")?.style.display === "block";
}

// How many times the page has lost the server, counted as the reconnection display is shown: a save compares it with
// the count when it was sent. Seen as it happens, not polled: a rejoin can take less than any poll's interval.
let linkDrops = 0;
let watchingLinkDrops = false;

function watchLinkDrops() {
  if (watchingLinkDrops) return;
  watchingLinkDrops = true;
  const watch = (host) => {
    if (host.style.display === "block") linkDrops++;
    new MutationObserver(() => { if (host.style.display === "block") linkDrops++; })
      .observe(host, { attributes: true, attributeFilter: ["style"] });
  };
  const host = document.getElementById("components-reconnect-modal");
  if (host) {
    watch(host);
    return;
  }
  // blazor.web.js adds its display to the body at the first drop
  const bodyWatch = new MutationObserver(() => {
    const added = document.getElementById("components-reconnect-modal");
    if (!added) return;
    bodyWatch.disconnect();
    watch(added);
  });
  bodyWatch.observe(document.body, { childList: true });
}

function submit() {
  // While the page is rejoining the server (its connection lost, not merely slow) a call from here is never sent and
  // never answered: "Saving…" promised a save that never came (soak pass, 2026-12-07: shown until the page reloaded,
  // the grade not saved). Said plainly instead; the choices stay on the page, and in its draft.
  if (rejoining()) {
    const notSaved = "Not saved: the station has lost the server. Your choices are kept: press Enter again when it is back.";
    showPending(notSaved);
    // once it is back the item, still open, says it is not saved; the words go, so that no later save finds them
    const clearWhenBack = setInterval(() => {
      if (rejoining()) return;
      clearInterval(clearWhenBack);
      if (document.querySelector("[data-pending-action]")?.textContent === notSaved) showPending("");
    }, 500);
    return;
  }
  const saving = station.invokeMethodAsync("OnSubmitKey");
  pendingSaves++;
  const timer = setTimeout(() => showPending(navigator.onLine
    ? "Saving… the server has not answered yet. Keep this page open."
    : "No connection. The grade is saved when the connection is back: keep this page open."), pendingAfterMs);
  // A save sent as the link dropped is never answered (its message, or its answer, went with the link): "Saving…"
  // stayed after the station was back, for an item still open and not saved (soak follow-up, 2026-12-07). Once the
  // station has rejoined, the page shows what the server has, and the words say so.
  const dropsWhenSent = linkDrops;
  const watch = setInterval(() => {
    if (linkDrops > dropsWhenSent && !rejoining()) {
      settle("The connection dropped before this save was confirmed. If the item is still open, it was not saved: " +
        "press Enter again.");
    }
  }, 500);
  let settled = false;
  function settle(message) {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    clearInterval(watch);
    pendingSaves--;
    if (message) showPending(message);
    else if (pendingSaves === 0) showPending("");
  }
  saving.then(() => settle(null),
    () => settle("The grade did not reach the server. Reload the page (your choices come back), then press Enter again."));
}

const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

// B's box: drawn in the middle of the photo on screen, then scrolled into view if it is not (with no photo open, B opens
// the first at its middle, which at 1024 x 768 was below the window's edge: exploratory pass, 2026-12-06).
function drawBoxWhereLooking() {
  station?.invokeMethodAsync("OnDrawKey", ...visibleArea()).then(() => requestAnimationFrame(() => {
    const box = document.querySelector("[data-region-editor] .region-box-selected");
    if (!box) return;
    const r = box.getBoundingClientRect();
    if (r.top < 0 || r.bottom > window.innerHeight) box.scrollIntoView({ block: "center" });
  }));
}

/** The part of the open photo on screen, as shares of the photo: [centre x, centre y, width, height]. */
function visibleArea() {
  const viewer = document.querySelector("[data-photo-viewer]");
  const editor = viewer && viewer.querySelector("[data-region-editor]");
  if (!editor || !editor.clientWidth || !editor.clientHeight) return [0.5, 0.5, 1, 1];
  // The part of the photo on screen: inside the viewer and inside the window. The viewer alone put a new box below the
  // window's edge at 1024 x 768, where the editor starts low on the page (exploratory pass, 2026-12-06); a photo wholly
  // off screen is brought into view first.
  let photo = editor.getBoundingClientRect();
  if (photo.bottom <= 0 || photo.top >= window.innerHeight) {
    editor.scrollIntoView({ block: "center" });
    photo = editor.getBoundingClientRect();
  }
  const view = viewer.getBoundingClientRect();
  const left = Math.max(view.left, photo.left, 0), right = Math.min(view.right, photo.right, window.innerWidth);
  const top = Math.max(view.top, photo.top, 0), bottom = Math.min(view.bottom, photo.bottom, window.innerHeight);
  if (right <= left || bottom <= top) return [0.5, 0.5, 1, 1];
  return [((left + right) / 2 - photo.left) / photo.width, ((top + bottom) / 2 - photo.top) / photo.height,
          (right - left) / photo.width, (bottom - top) / photo.height];
}

// ---- The photo viewer: zoom steps, panning by scrolling the viewport, full screen. All in the browser: a zoom needs
// no server round trip, and the page never renders a style on the viewport, so a re-render keeps the zoom.
const zoomSteps = [1, 1.5, 2, 3, 4, 6];

const zoomOf = (viewer) => Number(viewer.dataset.zoom || 1);

function zoomTo(viewer, zoom) {
  const before = zoomOf(viewer);
  // keep the point at the middle of the viewport where it was
  const cx = (viewer.scrollLeft + viewer.clientWidth / 2) / Math.max(1, viewer.scrollWidth);
  const cy = (viewer.scrollTop + viewer.clientHeight / 2) / Math.max(1, viewer.scrollHeight);
  viewer.style.setProperty("--zoom", String(zoom));
  viewer.dataset.zoom = String(zoom);
  if (zoom !== before) {
    viewer.scrollLeft = cx * viewer.scrollWidth - viewer.clientWidth / 2;
    viewer.scrollTop = cy * viewer.scrollHeight - viewer.clientHeight / 2;
  }
}

// Fit: the whole photo at its fitted size (at most 78 % of the window's height) and, where the page has scrolled it
// partly off screen, the page scrolled to show all of it: at 1024 x 768 Fit fitted the photo to the viewer while its
// lower part stayed below the window (exploratory pass, 2026-12-06).
function fitToScreen(viewer) {
  zoomTo(viewer, 1);
  viewer.scrollIntoView({ block: "nearest" });
}

function zoomStep(viewer, direction) {
  const current = zoomOf(viewer);
  const next = direction > 0 ? zoomSteps.find((z) => z > current) : [...zoomSteps].reverse().find((z) => z < current);
  zoomTo(viewer, next ?? current);
}

// Full screen shows the whole panel, its buttons with the photo: a tablet has no Esc or F key to come back with (touch
// pass, 2026-12-05: only the photo went full screen, and nothing on it could be tapped to leave). The page goes full
// screen and the panel covers it, rather than the panel alone: MudBlazor draws its lists' options at the page's end,
// which a full-screen panel would not show (the type of new damage could not be chosen).
function toggleFullscreen(viewer) {
  if (document.fullscreenElement) {
    document.exitFullscreen();
    return;
  }
  const stage = viewer.closest("[data-photo-stage]");
  stage.setAttribute("data-stage-fullscreen", "");
  document.documentElement.requestFullscreen?.().catch(() => stage.removeAttribute("data-stage-fullscreen"));
}

function onFullscreenChange() {
  if (document.fullscreenElement) return;
  for (const stage of document.querySelectorAll("[data-stage-fullscreen]")) stage.removeAttribute("data-stage-fullscreen");
}

const viewerKeys = {
  "+": (v) => zoomStep(v, 1), "=": (v) => zoomStep(v, 1), "-": (v) => zoomStep(v, -1), "−": (v) => zoomStep(v, -1),
  "0": fitToScreen, "f": toggleFullscreen, "F": toggleFullscreen,
};

function onViewerClick(event) {
  const button = event.target instanceof Element ? event.target.closest("[data-zoom], [data-fullscreen], [data-draw-box]") : null;
  const viewer = document.querySelector("[data-photo-viewer]");
  if (!button || !viewer) return;
  if (button.hasAttribute("data-draw-box")) {
    // B's box, for a finger: a new box in the middle of the photo on screen, chosen, to move and resize by touch
    drawBoxWhereLooking();
    return;
  }
  const how = button.getAttribute("data-zoom");
  if (how === "in") zoomStep(viewer, 1);
  else if (how === "out") zoomStep(viewer, -1);
  else if (how === "fit") fitToScreen(viewer);
  else toggleFullscreen(viewer);
}

// Ctrl+wheel (and a trackpad's pinch, which browsers send as one) zooms the photo; a plain wheel scrolls (pans) it.
function onViewerWheel(event) {
  const viewer = event.target instanceof Element ? event.target.closest("[data-photo-viewer]") : null;
  if (!viewer || !event.ctrlKey) return;
  event.preventDefault();
  zoomStep(viewer, event.deltaY < 0 ? 1 : -1);
}

function antiforgeryToken() {
  const meta = document.querySelector('meta[name="grader-antiforgery"]');
  return meta ? meta.getAttribute("content") : "";
}

// A 503 (intake full) or 429 (too many requests) is answered by sending the same photo again after the server's
// Retry-After, backing off (1, 2, 4, 8, 16 s, with jitter so stations do not return in step); the associate sees
// "busy" meanwhile instead of a spinner. After the last try the photo is reported as not kept.
const maxAttempts = 6;


// The server decodes a kept copy at the first JPEG scale (n/8) within 2 % of the stored size, as PhotoSanitizer's
// StoredSizeTolerance: the browser's copy follows the same rule, so a photo is kept at the same size by either route.
const storedSizeTolerance = 0.02;

// A phone photo (12 MP, 3-8 MB) is scaled in the browser to the size the server keeps (its long side: the drop zone's
// data-stored-max-side, Grader:Photos:StoredMaxLongSide) before it goes over warehouse Wi-Fi: a third of the bytes or
// less, and a much cheaper decode on the server, which still checks and re-encodes whatever arrives (issue 17).
// The copy is upright (EXIF orientation applied). Only JPEGs (what cameras write) are scaled: a PNG or WebP may be
// transparent, which a JPEG copy would turn black where the server puts white, and would lose the server's knowledge
// that the white is not the camera's (photo pass, 2026-12-05). Anything the browser cannot read, that is small
// already, or whose copy would be narrower than the server accepts (a long panorama: data-min-short-side) goes as it
// is, and the server says what is wrong with it, if anything.
async function shrinkForUpload(file, limits) {
  const maxSide = Number(limits && limits.maxSide) || 0;
  const minShortSide = Number(limits && limits.minShortSide) || 1;
  if (!maxSide || file.type !== "image/jpeg" || typeof createImageBitmap !== "function") return file;
  // User Timing marks: where the browser's time goes, for the station bench and a browser's performance panel. The last
  // photo's only: kept for every photo they grew by ~3.4 entries an item all shift long (long-shift pass, 2026-12-05).
  for (const name of ["grader:scale-start", "grader:decoded", "grader:drawn", "grader:encoded"]) performance.clearMarks(name);
  performance.mark("grader:scale-start");
  const picture = (await decodeJpegNearSize(file, maxSide)) || (await decodeWhole(file));
  if (!picture) return file;
  performance.mark("grader:decoded");
  try {
    const scale = Math.min(1, maxSide / Math.max(picture.width, picture.height));
    if (scale >= 1 && picture.whole) return file; // small already
    const width = Math.max(1, Math.round(picture.width * scale));
    const height = Math.max(1, Math.round(picture.height * scale));
    if (Math.min(width, height) < minShortSide) return file; // the server scales it itself, from what it accepts
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d");
    context.imageSmoothingQuality = "high";
    context.drawImage(picture.source, 0, 0, canvas.width, canvas.height);
    performance.mark("grader:drawn");
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.92));
    performance.mark("grader:encoded");
    return blob && blob.size < file.size ? new File([blob], file.name || "photo.jpg", { type: "image/jpeg" }) : file;
  } catch {
    return file;
  } finally {
    picture.close();
  }
}

// The whole photo, decoded at full size and turned upright (any format the browser reads).
async function decodeWhole(file) {
  try {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    return { source: bitmap, width: bitmap.width, height: bitmap.height, whole: true, close: () => bitmap.close() };
  } catch {
    return null;
  }
}

// A JPEG decoded straight at (about) the stored size: WebCodecs' ImageDecoder takes a desired size, and a JPEG decoder
// can produce 1/2, 3/8, ... of the photo without making the full-size pixels first: 130 ms instead of 220 ms for a
// 12 MP photo in headless Chromium here (docs/benchmarks.md). The decoder rounds down to its scale (a 5000 px panorama
// asked for 2048 came out 1875): below the tolerance, the next eighth up is decoded and drawn down to the stored size.
// The frame carries the EXIF rotation, which drawImage applies. Null where the browser has no ImageDecoder or the file
// is not a JPEG it reads: the caller decodes it whole.
async function decodeJpegNearSize(file, maxSide) {
  if (file.type !== "image/jpeg" || typeof ImageDecoder !== "function") return null;
  try {
    const coded = jpegSize(new Uint8Array(await file.slice(0, 256 * 1024).arrayBuffer()));
    if (!coded || Math.max(coded.width, coded.height) <= maxSide) return null;
    const wanted = maxSide / Math.max(coded.width, coded.height);
    const first = await decodeAtScale(file, coded, wanted);
    if (Math.max(first.width, first.height) >= maxSide * (1 - storedSizeTolerance)) return first;
    first.close();
    return await decodeAtScale(file, coded, Math.min(1, Math.ceil(wanted * 8) / 8));
  } catch {
    return null;
  }
}

async function decodeAtScale(file, coded, scale) {
  const decoder = new ImageDecoder({
    data: file.stream(), type: "image/jpeg",
    desiredWidth: Math.round(coded.width * scale), desiredHeight: Math.round(coded.height * scale),
  });
  try {
    const { image } = await decoder.decode();
    return {
      source: image, width: image.displayWidth, height: image.displayHeight, whole: false,
      close: () => { image.close(); decoder.close(); },
    };
  } catch (error) {
    decoder.close();
    throw error;
  }
}

// Width and height from a JPEG's frame header (SOF0-SOF15 but DHT, JPG and DAC), as coded (before EXIF orientation).
function jpegSize(bytes) {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1];
    if (marker === 0xff) { at++; continue; } // fill byte
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (bytes[at + 5] << 8) | bytes[at + 6], width: (bytes[at + 7] << 8) | bytes[at + 8] };
    }
    at += 2 + length;
  }
  return null;
}

function send(itemId, file, name, uploadId, attempt) {
  const form = new FormData();
  form.append("file", file, name);
  const request = new XMLHttpRequest();
  request.open("POST", `/api/v1/returns/${itemId}/photos`);
  request.setRequestHeader("RequestVerificationToken", antiforgeryToken());
  request.setRequestHeader("Accept", "application/json");
  let lastReported = -1;
  request.upload.onprogress = (e) => {
    if (!e.lengthComputable) return;
    const percent = Math.floor((e.loaded / e.total) * 100);
    if (percent >= lastReported + 5 || percent === 100) { // a few updates, not thousands, over the circuit
      lastReported = percent;
      station.invokeMethodAsync("OnUploadProgress", uploadId, percent);
    }
  };
  request.onload = () => {
    // A photo store that cannot keep photos (a full disk) is not busy: sending again in seconds only showed "busy" for
    // a minute before the server's words; they are shown at once.
    if ((request.status === 503 || request.status === 429) && attempt < maxAttempts && !storeFailed(request)) {
      const asked = Number(request.getResponseHeader("Retry-After")) || 1;
      const seconds = Math.min(30, Math.max(asked, 2 ** (attempt - 1))) * (1 + Math.random() * 0.25);
      station.invokeMethodAsync("OnUploadBusy", uploadId, Math.ceil(seconds), attempt, maxAttempts);
      setTimeout(() => send(itemId, file, name, uploadId, attempt + 1), seconds * 1000);
      return;
    }
    station.invokeMethodAsync("OnUploadFinished", uploadId, request.status, request.responseText || "");
  };
  request.onerror = () => station.invokeMethodAsync("OnUploadFinished", uploadId, 0, "");
  request.send(form);
}

function storeFailed(request) {
  try {
    return JSON.parse(request.responseText || "{}").reason === "photo_store_failed";
  } catch {
    return false;
  }
}

// Whether the photos are for the item the zone shows is the server's to say, and it registers them in the same call
// (ADR 0047): it has heard every scan, Enter and click before this call (they reach it in order), so a photo dropped as
// the next plate is scanned, or as the item is saved, is not added to the item still on screen; and an Enter or a scan
// after the drop finds the photo on its way (Save is held until it is in; the question about leaving counts it). Refused, the
// server tells the associate why.
function uploadAll(zone, files) {
  if (!station || files.length === 0) return;
  const itemId = zone ? zone.getAttribute("data-item-id") : null;
  const limits = zone ? { maxSide: zone.getAttribute("data-stored-max-side"), minShortSide: zone.getAttribute("data-min-short-side") } : null;
  const uploads = files.map((file) => ({ file, id: `u${++uploadCounter}`, name: file.name || "photo" }));
  // Scaled while the server answers (a round trip on warehouse Wi-Fi; scaling takes longer): the question costs no time.
  const scaled = uploads.map((u) => shrinkForUpload(u.file, limits).catch(() => u.file)); // unscaled, if scaling fails
  station.invokeMethodAsync("TakesPhotosFor", itemId, uploads.map((u) => u.id), uploads.map((u) => u.name)).then((welcome) => {
    if (!welcome || !station) return; // refused, or the station page has gone meanwhile
    uploads.forEach((u, i) => scaled[i].then((sent) => send(itemId, sent, u.name, u.id, 1)));
  }, () => showPending("The photo was not added: the connection to the server was lost. Reload the page, then add it again."));
}

function onChange(event) {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-photo-input")) return;
  const zone = input.closest("[data-photo-drop]");
  uploadAll(zone, Array.from(input.files || []));
  input.value = ""; // the same file can be picked again after a failure
  // The files are chosen: the focus leaves the file input for its drop zone, so that the next Enter saves the item. Left
  // on the input (where a click on "Choose files" puts it), Enter opened the file picker again and saved nothing, item
  // after item for a mouse user (soak pass, 2026-12-07).
  if (document.activeElement === input) zone?.focus({ preventScroll: true });
}

// A drag that began on the page (a photo's thumbnail) carries "Files" too in Chrome: it is not a photo brought in. It is
// marked on the drag itself (a flag kept here stuck when the dragged element left the page before its dragend).
const fromPage = "application/x-grader-page-drag";
const onDragStart = (event) => event.dataTransfer?.setData(fromPage, "1");
const carriesFiles = (event) => {
  const types = Array.from(event.dataTransfer?.types || []);
  return types.includes("Files") && !types.includes(fromPage);
};

// A photo dropped anywhere on the station is the station's: beside the drop zone, the browser opened the file in place
// of the page (the circuit, and the open item's screen, gone). It goes to the open item, the only one it can be for.
function onDragOver(event) {
  if (!carriesFiles(event)) return;
  event.preventDefault();
  const zone = event.target instanceof Element ? event.target.closest("[data-photo-drop]") : null;
  zone?.classList.add("photo-drop-active");
}

function onDragLeave(event) {
  const zone = event.target instanceof Element ? event.target.closest("[data-photo-drop]") : null;
  if (zone) zone.classList.remove("photo-drop-active");
}

function onDrop(event) {
  if (!carriesFiles(event)) return;
  event.preventDefault();
  const zone = (event.target instanceof Element ? event.target.closest("[data-photo-drop]") : null) || document.querySelector("[data-photo-drop]");
  zone?.classList.remove("photo-drop-active");
  uploadAll(zone, Array.from(event.dataTransfer.files));
}

// ---- Unsaved work: the open item's unsaved choices live in this tab's session storage (one draft per associate), so a
// reload brings them back; while there are any, leaving the page (reload, sign-out, closing the tab) asks first.

const draftPrefix = "grader.station-draft.";
let unsaved = false;

function onBeforeUnload(event) {
  if (!unsaved) return;
  event.preventDefault();
  event.returnValue = ""; // older browsers need a value to show their "leave site?" prompt
}

export function saveDraft(owner, json) {
  if (json) sessionStorage.setItem(draftPrefix + owner, json);
  else sessionStorage.removeItem(draftPrefix + owner);
  unsaved = !!json;
}

export function loadDraft(owner) {
  return sessionStorage.getItem(draftPrefix + owner);
}

// After an item opens, focus leaves the scan field: keys 1-5 then grade instead of typing into it.
// The page asks for these one round trip after the watcher below has already moved the focus: a second move pulled an
// associate who had tabbed on back to where they started (the title typed into SKU, long-shift pass, 2026-12-05). So
// each leaves the focus where it is when it is already inside the panel or form it would go to.
const focusIsIn = (container) => container && document.activeElement && container.contains(document.activeElement);

export function focusItem() {
  const item = document.querySelector("[data-testid=item]");
  if (item && !focusIsIn(item)) item.focus({ preventScroll: true });
}

// An Enter that could not save goes to the field that stops it (the server says which): the grade, the disposition or
// the reason a grade differs from the rubric (keyboard pass, 2026-12-07).
export function focusBlockingField(field) {
  const selectors = {
    grade: "[data-grade]", // no grade is chosen when the grade stops a save: the first
    disposition: "[data-testid=disposition][tabindex], [data-testid=disposition] [tabindex], input[data-testid=disposition], [data-testid=disposition] input",
    reason: "[data-testid=contradiction-reason] textarea, [data-testid=contradiction-reason] input, textarea[data-testid=contradiction-reason], input[data-testid=contradiction-reason]",
  };
  const element = selectors[field] && document.querySelector(selectors[field]);
  if (!element) return;
  element.focus();
  // The first grade, given the focus because no grade is chosen: Enter there picks it, as on a grade reached by Tab (it
  // said "Pick a grade" again; regression pass, 2026-12-07).
  if (field === "grade") reachedByTab = element;
}

// The photo editor closed: the focus goes to the thumbnail that opened it.
export function focusThumbnail(photoId) {
  const thumbnail = document.querySelector(`[data-testid=open-photo] img[data-photo-id="${CSS.escape(String(photoId))}"]`)?.closest("button");
  if (thumbnail) thumbnail.focus({ preventScroll: true });
}

// The unsaved-choices question takes the focus on its safe answer, "Keep working": keys and scans stop at it.
export function focusGuard() {
  const keep = document.querySelector("[data-testid=keep-working]");
  if (keep) keep.focus({ preventScroll: true });
}

// An unknown plate opens the new-item form: what is scanned next is the label's SKU, which belongs in its first field,
// not in the scan field after the plate.
export function focusNewItem() {
  if (focusIsIn(document.querySelector("[data-testid=create-item]"))) return;
  const sku = document.querySelector("[data-testid=create-item] [data-testid=new-sku] input, [data-testid=create-item] input[data-testid=new-sku]");
  if (sku) sku.focus({ preventScroll: true });
}

// The server asks for focusItem after its render reaches the browser: one more round trip, in which a fast "4"
// still lands in the scan field (seen in CI under load). Watching for the item panel to appear moves focus in the
// same task that draws it, before the browser handles the next key.
let itemWatcher = null;

// When a saved item's panel goes, the focus it had went with it (to the page's body) until the server's focus on the
// scan field arrives, one more round trip later: a plate scanned in between lost its first characters, and the rest
// ("0CBDCC" of E2E-F16B0CBDCC) opened the "not in the system yet" form (a clean-clone run, 2026-12-05). The scan field
// takes the focus in the same task that removes the panel, unless something else on the page has it.
function focusScanIfOrphaned(mutations) {
  const itemGone = mutations.some((m) => [...m.removedNodes].some((node) =>
    node instanceof Element && (node.matches("[data-testid=item]") || node.querySelector("[data-testid=item]"))));
  // the scan field may come back from "disabled" (a save in progress) in a later render than the panel's removal
  const scanEnabled = mutations.some((m) => m.type === "attributes" && m.attributeName === "disabled" && m.target.id === "scan");
  if (!(itemGone || scanEnabled) || document.querySelector("[data-testid=item], [data-testid=create-item], [data-testid=keep-working]")) return;
  if (document.activeElement && document.activeElement !== document.body) return;
  const scan = document.querySelector("#scan");
  if (scan && !scan.disabled) scan.focus({ preventScroll: true });
}

function watchForItem() {
  itemWatcher = new MutationObserver((mutations) => {
    focusScanIfOrphaned(mutations);
    for (const mutation of mutations) {
      // Another plate scanned while an item was open: the panel stays, its item id changes.
      if (mutation.type === "attributes") {
        if (mutation.target.matches("[data-testid=item]")) {
          mutation.target.focus({ preventScroll: true });
          return;
        }
        continue;
      }
      for (const node of mutation.addedNodes) {
        if (!(node instanceof Element)) continue;
        const item = node.matches("[data-testid=item]") ? node : node.querySelector("[data-testid=item]");
        if (item) {
          item.focus({ preventScroll: true });
          return;
        }
        if (node.matches("[data-testid=create-item]") || node.querySelector("[data-testid=create-item]")) {
          focusNewItem();
          return;
        }
      }
    }
  });
  itemWatcher.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-item-id", "disabled"] });
}

// Enter on the disposition list once its choice is made (the list closed) saves, as the shortcut sheet says. MudSelect
// took that Enter to open the list again, so after choosing a disposition a keyboard-only associate could not save
// (exploratory browser pass, 2026-12-06). Heard on the window before the list (capture); an open list keeps its Enter.
function onEnterOnClosedList(event) {
  if (!station || event.key !== "Enter" || event.shiftKey || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
  const target = event.target instanceof Element ? event.target : null;
  const list = target?.closest("[data-list-keys][data-enter-saves]");
  // only once a disposition is chosen: D then Enter is how the list is opened (review of the diff)
  if (!list || list.dataset.chosen !== "true" || !document.querySelector("[data-grading-form]")) return;
  if (document.querySelector(".mud-popover-open .mud-list")) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  submit();
}

export function attach(dotNetStation) {
  detach();
  station = dotNetStation;
  watchLinkDrops();
  window.addEventListener("beforeunload", onBeforeUnload);
  window.addEventListener("keydown", onEnterOnClosedList, true);
  window.addEventListener("keydown", onTabKey);
  document.addEventListener("focusin", onFocusIn, true);
  document.addEventListener("pointerdown", onPointerFocus, true);
  document.addEventListener("keydown", onKeyDown);
  document.addEventListener("change", onChange);
  document.addEventListener("dragover", onDragOver);
  document.addEventListener("dragleave", onDragLeave);
  document.addEventListener("drop", onDrop);
  document.addEventListener("click", onViewerClick);
  document.addEventListener("click", onSaveClick, true);
  document.addEventListener("wheel", onViewerWheel, { passive: false });
  document.addEventListener("fullscreenchange", onFullscreenChange);
  watchForItem();
  watchHandles();
  // A plate scanned with the focus outside the scan field (on the open item, on Save, nowhere) opens like one scanned
  // into it: the station asks about unsaved choices first, and waits for a save in progress (Station.Browser.cs).
  listenForScans((plate) => station?.invokeMethodAsync("OnScanned", plate));
  document.addEventListener("dragstart", onDragStart);
}

export function detach() {
  stopListeningForScans();
  itemWatcher?.disconnect();
  itemWatcher = null;
  handleWatcher?.disconnect();
  handleWatcher = null;
  photoSizeWatcher?.disconnect();
  photoSizeWatcher = null;
  window.removeEventListener("beforeunload", onBeforeUnload);
  window.removeEventListener("keydown", onEnterOnClosedList, true);
  window.removeEventListener("keydown", onTabKey);
  document.removeEventListener("focusin", onFocusIn, true);
  document.removeEventListener("pointerdown", onPointerFocus, true);
  typeAhead = null;
  document.removeEventListener("keydown", onKeyDown);
  document.removeEventListener("change", onChange);
  document.removeEventListener("dragover", onDragOver);
  document.removeEventListener("dragleave", onDragLeave);
  document.removeEventListener("drop", onDrop);
  document.removeEventListener("dragstart", onDragStart);
  document.removeEventListener("click", onViewerClick);
  document.removeEventListener("click", onSaveClick, true);
  clickedSaveAt = -Infinity;
  document.removeEventListener("wheel", onViewerWheel);
  document.removeEventListener("fullscreenchange", onFullscreenChange);
  station = null;
}

// ---- Region editor: move, resize and draw damage boxes on a photo with mouse, pen or touch (pointer events).
// The box follows the pointer locally; .NET hears about it once, when the pointer is released, and only if it travelled
// (a click, or a finger's wobble, is not an edit).
// Fingers (touch pass, 2026-12-05): one finger pans the photo - it never draws, because a swipe to pan drew a box of
// damage nobody chose; a new box comes from "Add box" (or B). A finger held still on a box for a moment takes it and
// moves it; on a box's corner it resizes at once. Two fingers anywhere on the photo pinch-zoom it and undo what the first
// one was doing to a box (a pinch moved a box: the second finger took over the first one's drag). One pointer edits at
// a time: a palm resting while a pen edits is ignored, any other pointer undoes the edit in progress.

let drag = null;
const fingers = new Map(); // pointerId -> { x, y } of the fingers on the photo
let pan = null; // { viewer, x, y }: one finger on the photo
let pinch = null; // { viewer, distance, zoom }: two fingers
let hold = null; // { pointerId, x, y, timer }: a finger resting on a box, not yet holding it
const holdDelay = 350; // ms a finger rests on a box before it takes it
const slop = { touch: 8, pen: 4, mouse: 3 }; // CSS px a pointer travels before its drag is an edit

function photoPoint(svg, event) {
  const point = svg.createSVGPoint();
  point.x = event.clientX;
  point.y = event.clientY;
  return point.matrixTransform(svg.getScreenCTM().inverse());
}

const fingerDistance = () => {
  const [a, b] = [...fingers.values()];
  return Math.max(1, Math.hypot(a.x - b.x, a.y - b.y));
};

function setBox(box, handle, [x, y, w, h]) {
  box.setAttribute("x", x); box.setAttribute("y", y);
  box.setAttribute("width", w); box.setAttribute("height", h);
  if (handle && handle.isConnected) placeHandle(handle, [x, y, w, h], Number(handle.getAttribute("width")));
}

// A box's corner handle is sized on screen, not in the photo's pixels: 28 CSS px at any zoom and on any screen (WCAG
// 2.5.8 asks 24), centred on the corner so that a small box keeps its middle free to be moved (touch pass, 2026-12-05:
// handles of a 40th of the photo were 16-19 px on a tablet and covered a small box whole). The page renders the handle
// without a size; this places it after every render that touches the photo and whenever the photo's size on screen changes.
const handleScreenSize = 28;

function setIfChanged(element, name, value) {
  const text = String(value);
  if (element.getAttribute(name) !== text) element.setAttribute(name, text);
}

function placeHandle(handle, [x, y, w, h], size) {
  setIfChanged(handle, "width", size); setIfChanged(handle, "height", size);
  setIfChanged(handle, "x", x + w - size / 2); setIfChanged(handle, "y", y + h - size / 2);
}

function fitHandles() {
  for (const svg of document.querySelectorAll("[data-region-editor] svg")) {
    const scale = svg.getScreenCTM()?.a;
    if (!scale) continue;
    const size = Number((handleScreenSize / scale).toFixed(2));
    for (const group of svg.querySelectorAll("[data-region-key]")) {
      const box = group.querySelector(".region-box"), handle = group.querySelector(".region-handle");
      if (!box || !handle || (drag && drag.box === box)) continue;
      placeHandle(handle, ["x", "y", "width", "height"].map((a) => Number(box.getAttribute(a))), size);
    }
  }
}

let handleWatcher = null;
let photoSizeWatcher = null;

function watchHandles() {
  photoSizeWatcher = new ResizeObserver(fitHandles);
  handleWatcher = new MutationObserver(() => {
    for (const editor of document.querySelectorAll("[data-region-editor]")) photoSizeWatcher.observe(editor);
    fitHandles();
  });
  handleWatcher.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["x", "y", "width", "height"] });
  fitHandles();
}

/** Undoes on screen what the pointer was doing to a box; the server never heard of it. */
function cancelDrag() {
  if (!drag) return;
  if (drag.mode === "draw") drag.box.remove();
  else setBox(drag.box, drag.handle, drag.initial);
  drag.box.removeAttribute("data-held");
  drag = null;
}

function cancelHold() {
  if (!hold) return;
  clearTimeout(hold.timer);
  hold = null;
}

/** A drag of a box (or, with no box, the drawing of one) by the pointer at (clientX, clientY). */
function startDrag(pointer, editor, group, onHandle) {
  const svg = editor.querySelector("svg");
  const start = photoPoint(svg, pointer);
  const common = { pointerId: pointer.pointerId, pointerType: pointer.pointerType, svg, start, from: { x: pointer.clientX, y: pointer.clientY }, moved: false };
  if (group) {
    const box = group.querySelector(".region-box");
    const initial = ["x", "y", "width", "height"].map((a) => Number(box.getAttribute(a)));
    drag = { ...common, group, box, handle: group.querySelector(".region-handle"), initial, mode: onHandle ? "resize" : "move" };
  } else {
    const box = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    box.setAttribute("class", "region-box region-drawing");
    svg.appendChild(box);
    drag = { ...common, box, mode: "draw", photoId: editor.getAttribute("data-photo-id") };
  }
}

function onPointerDown(event) {
  const target = event.target instanceof Element ? event.target : null;
  const viewer = target ? target.closest("[data-photo-viewer]") : null;
  if (!viewer || !station || event.button > 0) return;
  const editor = target.closest("[data-region-editor]");
  // A mouse or pen outside the photo (on the viewer's scroll bars) is the browser's, as before: only fingers pan here.
  if (event.pointerType !== "touch" && !editor) return;
  const group = editor ? target.closest("[data-region-key]") : null;
  const onHandle = target.classList.contains("region-handle");
  if (drag && drag.pointerId !== event.pointerId) {
    if (drag.pointerType === "pen" && event.pointerType === "touch") return; // a palm resting while the pen edits
    if (!(drag.pointerType === "touch" && event.pointerType === "touch")) {
      cancelDrag();
      return;
    }
  }
  event.preventDefault();
  viewer.setPointerCapture?.(event.pointerId);
  if (event.pointerType === "touch") {
    fingers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (fingers.size >= 2) {
      cancelDrag();
      cancelHold();
      pan = null;
      pinch = { viewer, distance: fingerDistance(), zoom: zoomOf(viewer) };
      return;
    }
    if (group && onHandle) {
      startDrag(event, editor, group, true); // a corner is taken at once: it is small, and a finger on it means it
      return;
    }
    pan = { viewer, x: event.clientX, y: event.clientY };
    if (group) {
      const pointer = { pointerId: event.pointerId, pointerType: event.pointerType };
      hold = { pointerId: event.pointerId, x: event.clientX, y: event.clientY, timer: 0 };
      const pending = hold;
      pending.timer = setTimeout(() => {
        if (hold !== pending || fingers.size !== 1 || !group.isConnected) return;
        hold = null;
        pan = null;
        const at = fingers.get(pending.pointerId);
        startDrag({ ...pointer, clientX: at.x, clientY: at.y }, editor, group, false);
        drag.box.setAttribute("data-held", ""); // shown: the finger has the box now
      }, holdDelay);
    }
    return;
  }
  startDrag(event, editor, group, onHandle);
}

function currentBox(event) {
  const p = photoPoint(drag.svg, event);
  const dx = p.x - drag.start.x, dy = p.y - drag.start.y;
  if (drag.mode === "draw") {
    return [Math.min(p.x, drag.start.x), Math.min(p.y, drag.start.y), Math.abs(dx), Math.abs(dy)];
  }
  const [x, y, w, h] = drag.initial;
  return drag.mode === "move" ? [x + dx, y + dy, w, h] : [x, y, Math.max(1, w + dx), Math.max(1, h + dy)];
}

function onPointerMove(event) {
  if (fingers.has(event.pointerId)) {
    fingers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (pinch && fingers.size >= 2) {
      zoomTo(pinch.viewer, Math.min(zoomSteps.at(-1), Math.max(1, pinch.zoom * fingerDistance() / pinch.distance)));
      return;
    }
    if (hold && hold.pointerId === event.pointerId && Math.hypot(event.clientX - hold.x, event.clientY - hold.y) > slop.touch) {
      cancelHold(); // it moved before it rested: a pan, not a hold
    }
    if (pan) {
      const dx = event.clientX - pan.x, dy = event.clientY - pan.y;
      pan.x = event.clientX;
      pan.y = event.clientY;
      const { scrollLeft, scrollTop } = pan.viewer;
      pan.viewer.scrollBy(-dx, -dy);
      // at full size the photo cannot scroll: the finger scrolls the page, as anywhere else
      if (pan.viewer.scrollTop === scrollTop && pan.viewer.scrollLeft === scrollLeft) window.scrollBy(0, -dy);
      return;
    }
  }
  if (!drag || event.pointerId !== drag.pointerId) return;
  if (!drag.moved && Math.hypot(event.clientX - drag.from.x, event.clientY - drag.from.y) <= (slop[drag.pointerType] ?? slop.mouse)) return;
  drag.moved = true;
  setBox(drag.box, drag.handle, currentBox(event));
}

function onPointerUp(event) {
  if (fingers.delete(event.pointerId)) {
    if (fingers.size < 2) pinch = null;
    if (fingers.size === 0) pan = null;
  }
  if (hold && hold.pointerId === event.pointerId) cancelHold();
  if (!drag || event.pointerId !== drag.pointerId) return;
  if (!drag.moved) {
    cancelDrag(); // a click or a tap: nothing was moved, resized or drawn
    return;
  }
  const [x, y, w, h] = currentBox(event).map(Math.round);
  const done = drag;
  drag = null;
  done.box.removeAttribute("data-held");
  if (done.mode === "draw") {
    done.box.remove();
    station.invokeMethodAsync("OnRegionDrawn", done.photoId, x, y, w, h);
  } else {
    // Draw the box as the server kept it (inside the photo, or unchanged when refused): a render that changes nothing
    // would leave the dragged-off copy on screen while the stored one is saved.
    station.invokeMethodAsync("OnRegionMoved", Number(done.group.getAttribute("data-region-key")), x, y, w, h).then((kept) => {
      if (kept && done.box.isConnected) setBox(done.box, done.handle, kept);
    });
  }
}

/** The browser took the pointer away (a system gesture, a palm): nothing it was doing to a box counts. */
function onPointerCancel(event) {
  if (fingers.delete(event.pointerId)) {
    if (fingers.size < 2) pinch = null;
    if (fingers.size === 0) pan = null;
  }
  if (hold && hold.pointerId === event.pointerId) cancelHold();
  if (drag && event.pointerId === drag.pointerId) cancelDrag();
}

document.addEventListener("pointerdown", onPointerDown);
document.addEventListener("pointermove", onPointerMove);
document.addEventListener("pointerup", onPointerUp);
document.addEventListener("pointercancel", onPointerCancel);
