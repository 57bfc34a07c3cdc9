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
// that is being held. Inactive unless a page listens for scans (the station). A text field takes what is typed into it
// as text, scans included: the scan field itself, and the new item's SKU, which is scanned from the label.

const burstGapMs = 50;
const minPlateLength = 4;
// How long a burst already two keys long waits for its next key before it ends. Whether a key belongs to a burst is
// decided by when it was typed (burstGapMs); this is only when to stop waiting, and a page busy applying a render (just
// after a save) hands queued keys over late: waiting burstGapMs there ended a scanner's plate in its middle (browser test
// under load). A person's single key still comes back after burstGapMs.
const burstSettleMs = 300;

let onScan = null; // (plate) => void, set by the page that takes scans
let held = []; // { key, code, shiftKey, target }: printable keys not yet known to be a person's or a scanner's
let lastHeldAt = 0; // when the last held key was typed (a person's keys queued behind a busy page arrive together)
let flushTimer = null;
let replaying = false;
// The keys given back last, with when the last of them was typed. A loaded browser can hand a scanner's second key over
// later than burstGapMs after its first (the first is then given back: a browser test under load, 127 ms): a key typed
// within burstGapMs of these continues their burst, and the plate is whole. What they did as keys stays done; if that
// was a grade, opening the plate asks about it first, as any unsaved choice.
let givenBack = { keys: [], lastAt: 0 };

/** From now on a burst of keys typed outside a text field is a plate, given to onPlate. */
export function listenForScans(onPlate) {
  giveBack();
  onScan = onPlate;
}

export function stopListeningForScans() {
  giveBack();
  onScan = null;
}

function isTextField(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable || target.tagName === "TEXTAREA") return true;
  if (target.tagName !== "INPUT") return false;
  const type = (target.getAttribute("type") || "text").toLowerCase();
  return !["checkbox", "radio", "button", "submit", "file", "range", "color"].includes(type);
}

const modifierOnly = new Set(["Shift", "Control", "Alt", "Meta", "CapsLock", "AltGraph"]);

/** The held keys, given back in the order they came: what a person typed reaches its shortcut after all. */
function giveBack() {
  clearTimeout(flushTimer);
  flushTimer = null;
  const keys = held;
  held = [];
  if (keys.length) givenBack = { keys, lastAt: lastHeldAt };
  replaying = true;
  try {
    for (const key of keys) {
      if (key.given) continue; // given back before, when its burst seemed to have ended
      const target = key.target.isConnected ? key.target : (document.activeElement || document.body);
      if (isTextField(target) && target === document.activeElement) {
        // typed into a text field during a burst: a keyboard event made up here types nothing, so the text is typed
        // as the person's own input (the field's change and undo see it as typed)
        document.execCommand("insertText", false, key.key);
        continue;
      }
      target.dispatchEvent(new KeyboardEvent("keydown", { key: key.key, code: key.code, shiftKey: key.shiftKey, bubbles: true, cancelable: true }));
    }
  } finally {
    replaying = false;
  }
}

function takeScan() {
  const plate = held.map((key) => key.key).join("");
  clearTimeout(flushTimer);
  flushTimer = null;
  held = [];
  onScan(plate);
}

// No key within burstGapMs of the last one held. A scanner set up to send no Enter after the plate ends its burst so:
// given back, its characters were grade and region keys on the open item, so a burst that long is a scan too.
function burstEnded() {
  if (held.length >= minPlateLength && onScan) takeScan();
  else giveBack();
}

function onKeyDownFirst(event) {
  if (!onScan || replaying || event.isComposing) return;
  if (modifierOnly.has(event.key)) return; // a scanner presses Shift for capitals: that is part of the burst
  const target = event.target instanceof Element ? event.target : null;
  // A burst goes on wherever the focus goes meanwhile: the station moves it to the scan field when a save is done, and
  // the rest of a plate scanned as Save was pressed was typed there, its start held ("FCE171" of E2E-3-873CFCE171 was
  // looked up, browser test under load).
  const resumes = held.length === 0 && givenBack.keys.length > 0 && event.timeStamp - givenBack.lastAt <= burstGapMs;
  const continuing = resumes || (held.length > 0 && event.timeStamp - lastHeldAt <= burstGapMs);
  if (isTextField(target) && !continuing) {
    burstEnded();
    return;
  }
  const plain = !event.ctrlKey && !event.altKey && !event.metaKey;
  if (plain && event.key.length === 1 && event.key !== " " && !event.repeat) {
    // Held: a scanner's character, or a person's shortcut (given back when no other key follows within burstGapMs).
    if (held.length && !continuing) burstEnded();
    if (resumes) held = givenBack.keys.map((key) => ({ ...key, given: true }));
    givenBack = { keys: [], lastAt: 0 };
    event.preventDefault();
    event.stopImmediatePropagation();
    held.push({ key: event.key, code: event.code, shiftKey: event.shiftKey, target: target || document.body });
    lastHeldAt = event.timeStamp;
    clearTimeout(flushTimer);
    flushTimer = setTimeout(burstEnded, held.length >= 2 ? burstSettleMs : burstGapMs);
    return;
  }
  // Enter ends a scanner's plate; some scanners are set up to send Tab instead.
  if (plain && (event.key === "Enter" || event.key === "Tab") && held.length >= minPlateLength && event.timeStamp - lastHeldAt <= burstGapMs) {
    event.preventDefault();
    event.stopImmediatePropagation();
    takeScan();
    return;
  }
  if (!held.length) {
    givenBack = { keys: [], lastAt: 0 }; // a key that is not a plate's ends any burst: nothing typed next continues it
    return;
  }
  // Any other key comes after what was held, as it did. A held key may have moved the focus (D goes to the disposition),
  // and this key was aimed before that: an arrow typed right after D moved the damage box instead of going to the list.
  // So it goes where the focus is now, as the held keys did.
  const focusBefore = document.activeElement;
  burstEnded();
  givenBack = { keys: [], lastAt: 0 };
  if (document.activeElement !== focusBefore && document.activeElement) {
    event.preventDefault();
    event.stopImmediatePropagation();
    replaying = true;
    try {
      document.activeElement.dispatchEvent(new KeyboardEvent("keydown", {
        key: event.key, code: event.code, shiftKey: event.shiftKey, ctrlKey: event.ctrlKey, altKey: event.altKey,
        metaKey: event.metaKey, bubbles: true, cancelable: true,
      }));
    } finally {
      replaying = false;
    }
  }
}

window.addEventListener("keydown", onKeyDownFirst, true);
// A click comes after the keys typed before it: a grade key pressed just before "Save" is in the grade that is saved.
window.addEventListener("pointerdown", () => { if (held.length) burstEnded(); }, true);
