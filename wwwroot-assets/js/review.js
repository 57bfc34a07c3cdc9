// The review page's region keys (issue 17), the same as the station's: N/P choose one of the grader's boxes, A/R keep
// it / mark it not damage, Shift+1..6 set its damage type, D goes to the disposition, Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y
// undo and redo; Ctrl+Enter approves or saves the final grade. The page (ReviewTaskPage) holds the state and decides; this only turns keys into calls, and never
// while the supervisor types in a field or has a list open. Grade keys 1-5 and "?" stay in shortcuts.js.

import { isTypingTarget } from "./typing.js";
import { regionKeyOf } from "./region-keys.js";

let page = null;

function onKeyDown(event) {
  if (!page || event.defaultPrevented || event.altKey) return;
  if (!document.querySelector("[data-testid=review-form]")) return; // decided already: nothing to edit
  const target = event.target instanceof Element ? event.target : null;
  // Ctrl+Enter decides (approve, or save the final grade), from the note too: a labeling tool's submit key.
  if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && !event.shiftKey && !(target && target.closest(".mud-popover-open"))) {
    event.preventDefault();
    page.invokeMethodAsync("OnDecideKey");
    return;
  }
  if (isTypingTarget(target) || (target && target.closest(".mud-popover-open"))) return;
  if (event.ctrlKey || event.metaKey) {
    const key = event.key.toLowerCase();
    if (key === "z" || key === "y") {
      event.preventDefault();
      page.invokeMethodAsync(key === "y" || event.shiftKey ? "OnRedoKey" : "OnUndoKey");
    }
    return;
  }
  const regionKey = regionKeyOf(event);
  if (regionKey && document.querySelector("[data-region-keys]")) {
    event.preventDefault();
    page.invokeMethodAsync("OnRegionKey", ...regionKey);
  } else if (event.key.toLowerCase() === "d" && !event.shiftKey) {
    const disposition = document.querySelector("[data-testid=review-disposition][tabindex], [data-testid=review-disposition] [tabindex]");
    if (disposition) {
      event.preventDefault();
      disposition.focus();
    }
  }
}

// The browser asks before the page is left (reload, tab closed, address typed) while the form holds a decision not yet
// saved: a reload lost the supervisor's changed grade, boxes and note without a word (two-node pass, 2026-12-07). The
// page says when (setUnsaved); a decision saved or a form back as the grader left it says no more.
let unsaved = false;

function onBeforeUnload(event) {
  if (!unsaved) return;
  event.preventDefault();
  event.returnValue = ""; // older browsers need a value to show their "leave site?" prompt
}

// The page's heading takes the focus once the task is shown, unless the supervisor is somewhere already.
export function focusHeading() {
  if (document.activeElement && document.activeElement !== document.body) return;
  document.querySelector("[data-testid=review-item]")?.focus({ preventScroll: true });
}

export function setUnsaved(value) {
  unsaved = !!value;
  document.documentElement.dataset.leaveAsks = String(unsaved); // for a script or a test: the guard is armed
}

export function attach(dotNetPage) {
  detach();
  page = dotNetPage;
  document.addEventListener("keydown", onKeyDown);
  window.addEventListener("beforeunload", onBeforeUnload);
}

export function detach() {
  document.removeEventListener("keydown", onKeyDown);
  window.removeEventListener("beforeunload", onBeforeUnload);
  unsaved = false;
  page = null;
}
