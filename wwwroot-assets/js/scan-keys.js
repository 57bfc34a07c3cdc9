// A barcode scanner is a keyboard that types a whole licence plate and Enter within a few milliseconds. Typed where the
// focus happens to be, a plate scanned while an item was open reached the item as keys: its digits graded the item, as
// chosen, and its Enter could save it; scanned the moment Save was pressed, its first characters were lost before the
// scan field was back ("E-BC51AF8813" of E2E-BC51AF8813, clean-clone browser run, 2026-12-06). A person cannot type
// like that, so the keys can be told apart by their timing, as scanner-aware web tools do: printable keys typed outside
// a text field are held for a moment; keys that keep coming faster than a person types (each within burstGapMs of the
// one before), at least minPlateLength of them, are a scan, ended by Enter or by a pause (a scanner set up without the
// Enter), and go to the page as one plate, never as keys. Anything else is given back, in order, as the keys it was: a
// person's key reaches its shortcut burstGapMs late (ADR 0046).
//
// Listens on the window before anything else (capture; loaded ahead of list-keys.js), so no other handler hears a key
// that is being held. Inactive unless a page listens for scans (the station). The scan field and the new item's form
// take what is typed into them as text, scans included (a SKU is scanned from the label). Another text field (the
// note, the reason) takes a person's typing as it comes, but a scanner's burst ending in Enter there is a scan too:
// its characters are taken back out of the field and its Enter saves nothing.

import { isPlainCharacter, isTypingTarget } from "./typing.js";

const burstGapMs = 50;
const minPlateLength = 4;
// How long a burst already two keys long waits for its next key before it ends. Whether a key belongs to a burst is
// decided by when it was typed (burstGapMs); this is only when to stop waiting, and a page busy applying a render (just
// after a save) hands queued keys over late: waiting burstGapMs there ended a scanner's plate in its middle (browser test
// under load). A person's single key still comes back after about burstGapMs.
const burstSettleMs = 300;

let onScan = null; // (plate) => void, set by the page that takes scans
let held = []; // { key, code, shiftKey, target, wasText }: printable keys not yet known to be a person's or a scanner's
let lastHeldAt = 0; // when the last held key was typed (a person's keys queued behind a busy page arrive together)
let flushTimer = null;
let replaying = false;
// The keys given back last, with when the last of them was typed. A loaded browser can hand a scanner's second key over
// later than burstGapMs after its first (the first is then given back: a browser test under load, 127 ms): a key typed
// within burstGapMs of these continues their burst, and the plate is whole. What they did as keys stays done; if that
// was a grade, opening the plate asks about it first, as any unsaved choice.
const nothingGivenBack = Object.freeze({ keys: [], lastAt: 0 });
let givenBack = nothingGivenBack;
// When the last scan was taken without its Enter (a pause, a touch): the rest of a burst that goes on after it is the same
// plate's, and is not a second plate.
let scanEndedAt = -Infinity;
// Printable keys a person's text field took as they came: { target, text, lastAt }. Enter right after a burst there is
// a scanner's.
let typed = null;

/** From now on a burst of keys typed outside a text field is a plate, given to onPlate. */
export function listenForScans(onPlate) {
  giveBack();
  onScan = onPlate;
}

export function stopListeningForScans() {
  giveBack();
  onScan = null;
  typed = null;
}

/** A field whose keys are text (typing.js), less the lists: a list (MudSelect: an empty one is a read-only input, a
 * select) hears its own letters there, but a scanner's burst on it chose an option and was cut in two. */
function isTextField(target) {
  return isTypingTarget(target) && target.tagName !== "SELECT" && !target.readOnly
    && !target.closest("[data-list-keys], [role=combobox]");
}

/** The fields a scanner is meant to type into: the scan field, and the new item's form (its SKU is scanned). */
const isScanField = (target) => target.id === "scan" || target.closest("[data-testid=create-item]") !== null;

const modifierOnly = new Set(["Shift", "Control", "Alt", "Meta", "CapsLock", "AltGraph"]);
// Keys the page's own scripts act on by their target: sent on to where the focus went when a held key moved it (an arrow
// right after D moved the damage box instead of going to the disposition list). Tab, Space and editing keys do their
// own work where the focus is, and are left to the browser.
const resentAfterFocusMove = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Escape", "Enter", "Home", "End"]);

function dispatchKey(target, init) {
  replaying = true;
  try {
    target.dispatchEvent(new KeyboardEvent("keydown", { ...init, bubbles: true, cancelable: true }));
  } finally {
    replaying = false;
  }
}

/** The held keys, given back in the order they came: what a person typed reaches its shortcut after all. */
function giveBack() {
  clearTimeout(flushTimer);
  flushTimer = null;
  const keys = held;
  held = [];
  if (keys.length) givenBack = { keys, lastAt: lastHeldAt };
  for (const key of keys) {
    if (key.given) continue; // given back before, when its burst seemed to have ended
    if (key.wasText && key.target.isConnected && key.target === document.activeElement) {
      // typed into a text field during a burst: a keyboard event made up here types nothing, so the text is typed as
      // the person's own input (the field's change and undo see it as typed)
      document.execCommand("insertText", false, key.key);
      continue;
    }
    // a key aimed at something that has gone (the saved item's panel) is a shortcut still, never text in a field
    dispatchKey(key.target.isConnected ? key.target : document.body, { key: key.key, code: key.code, shiftKey: key.shiftKey });
  }
}

function takeScan(endedWithoutEnter) {
  const plate = held.map((key) => key.key).join("");
  clearTimeout(flushTimer);
  flushTimer = null;
  scanEndedAt = endedWithoutEnter ? lastHeldAt : -Infinity;
  held = [];
  onScan(plate);
}

// No key within the wait after the last one held. A scanner set up to send no Enter after the plate ends its burst so:
// given back, its characters were grade and region keys on the open item, so a burst that long is a scan too.
function burstEnded() {
  if (held.length >= minPlateLength && onScan) takeScan(true);
  else giveBack();
}

/** How long to wait for a key after the last held one: a page slow to hand keys over is given longer. */
function waitFor(handledLate) {
  if (held.length >= 2) return burstSettleMs;
  return Math.min(burstSettleMs, burstGapMs + 3 * Math.max(0, handledLate));
}

// A scanner's burst into a text field that is not a scan field (the note): a scan, whose Enter saves nothing. Its
// characters are taken back out when they are the text just before the caret, as typed; otherwise (a field that dropped
// or changed one) the field is left as it is, for the associate to see.
function takeScanOutOfTextField(event) {
  const field = typed.target;
  const text = typed.text;
  typed = null;
  event.preventDefault();
  event.stopImmediatePropagation();
  if (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement) {
    const end = field.selectionEnd;
    if (end !== null && end >= text.length && field.value.slice(end - text.length, end) === text) {
      field.setSelectionRange(end - text.length, end);
      document.execCommand("delete");
    }
  }
  onScan(text);
}

// What a scanner types: a licence plate (ReturnItems.IsLicencePlate's characters). A fast burst with a space or other
// punctuation in it is a person's text, typed by a text expander, an on-screen keyboard or dictation: it was taken out of
// the note or the reason and refused as "not a licence plate" (keyboard pass, 2026-12-07).
const couldBeAPlate = (text) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(text);

function onTextFieldKey(event, target) {
  if (isScanField(target)) {
    typed = null;
    return;
  }
  const plain = !event.ctrlKey && !event.altKey && !event.metaKey;
  if (plain && event.key.length === 1 && !event.repeat) {
    const goesOn = typed && typed.target === target && event.timeStamp - typed.lastAt <= burstGapMs;
    typed = { target, text: (goesOn ? typed.text : "") + event.key, lastAt: event.timeStamp };
    return;
  }
  if (plain && event.key === "Enter" && typed && typed.target === target && typed.text.length >= minPlateLength
      && event.timeStamp - typed.lastAt <= burstGapMs && couldBeAPlate(typed.text)) {
    takeScanOutOfTextField(event);
    return;
  }
  typed = null;
}

function onKeyDownFirst(event) {
  if (!onScan || replaying || event.isComposing) return;
  if (modifierOnly.has(event.key)) return; // a scanner presses Shift for capitals: that is part of the burst
  const target = event.target instanceof Element ? event.target : null;
  const plain = !event.ctrlKey && !event.altKey && !event.metaKey;
  const printable = isPlainCharacter(event) && !event.repeat;
  // The rest of a plate whose scan was taken at a pause: swallowed, not a second plate (nor keys, nor text).
  if ((printable || (plain && event.key === "Enter")) && held.length === 0 && event.timeStamp - scanEndedAt <= burstGapMs) {
    if (printable) scanEndedAt = event.timeStamp;
    event.preventDefault();
    event.stopImmediatePropagation();
    return;
  }
  // A burst goes on wherever the focus goes meanwhile: the station moves it to the scan field when a save is done, and
  // the rest of a plate scanned as Save was pressed was typed there, its start held ("FCE171" of E2E-3-873CFCE171 was
  // looked up, browser test under load).
  const resumes = held.length === 0 && givenBack.keys.length > 0 && event.timeStamp - givenBack.lastAt <= burstGapMs;
  const continuing = resumes || (held.length > 0 && event.timeStamp - lastHeldAt <= burstGapMs);
  const text = isTextField(target);
  if (text && !continuing) {
    burstEnded();
    onTextFieldKey(event, target);
    return;
  }
  if (printable) {
    // Held: a scanner's character, or a person's shortcut (given back when no other key follows in time).
    if (held.length && !continuing) burstEnded();
    if (resumes) held = givenBack.keys.map((key) => ({ ...key, given: true }));
    givenBack = nothingGivenBack;
    event.preventDefault();
    event.stopImmediatePropagation();
    held.push({ key: event.key, code: event.code, shiftKey: event.shiftKey, target: target || document.body, wasText: text });
    lastHeldAt = event.timeStamp;
    clearTimeout(flushTimer);
    flushTimer = setTimeout(burstEnded, waitFor(performance.now() - event.timeStamp));
    return;
  }
  // Enter ends a scanner's plate; some scanners are set up to send Tab instead. Late, too (keys still held are within
  // the wait): let through, a late Enter after a plate saved the open item.
  if (plain && (event.key === "Enter" || event.key === "Tab") && held.length >= minPlateLength) {
    event.preventDefault();
    event.stopImmediatePropagation();
    takeScan(false);
    return;
  }
  if (!held.length) {
    givenBack = nothingGivenBack; // a key that is not a plate's ends any burst: nothing typed next continues it
    return;
  }
  // Any other key comes after what was held, as it did. A held key may have moved the focus (D goes to the disposition),
  // and this key was aimed before that; the keys the page's scripts act on go where the focus is now.
  const focusBefore = document.activeElement;
  burstEnded();
  givenBack = nothingGivenBack;
  if (document.activeElement !== focusBefore && document.activeElement && resentAfterFocusMove.has(event.key)) {
    event.preventDefault();
    event.stopImmediatePropagation();
    dispatchKey(document.activeElement, {
      key: event.key, code: event.code, shiftKey: event.shiftKey, ctrlKey: event.ctrlKey, altKey: event.altKey, metaKey: event.metaKey,
    });
  }
}

window.addEventListener("keydown", onKeyDownFirst, true);
// A click comes after the keys typed before it: a grade key pressed just before "Save" is in the grade that is saved.
// A burst already as long as a plate is a scanner's, whatever a hand does meanwhile: it goes on.
window.addEventListener("pointerdown", () => { if (held.length && held.length < minPlateLength) giveBack(); }, true);
