// Keyboard help and grade keys shared by the station and the review page (issue 17). Loaded once with the document
// (App.razor); the listener acts only on what the current page shows:
//   ?       shows or hides the page's shortcut sheet ([data-shortcut-sheet]); Escape hides it.
//   1 to 5  on a page whose grade picker is marked [data-grade-keys] (the review page), picks that grade. The station
//           handles its own grade keys (station.js), since they also close pending questions there.
// Region keys, undo and the disposition key are each page's own (station.js, review.js): they need the page's state.
// Never while the person types in a field: a key there is text.

import { isTypingTarget } from "./typing.js";

/** Where the focus was when the sheet opened: it goes back there when the sheet closes. */
let focusBeforeSheet = null;

function showSheet(sheet, show) {
  sheet.hidden = !show;
  if (show) {
    // A dialog takes the focus, so a screen reader reads it (keyboard audit, 2026-12-05); the page's keys still work.
    focusBeforeSheet = document.activeElement;
    sheet.focus({ preventScroll: true });
  } else if (focusBeforeSheet instanceof HTMLElement && focusBeforeSheet.isConnected) {
    focusBeforeSheet.focus({ preventScroll: true });
    focusBeforeSheet = null;
  }
}

function onKeyDown(event) {
  if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return;
  const target = event.target instanceof Element ? event.target : null;
  const sheet = document.querySelector("[data-shortcut-sheet]");
  if (sheet && event.key === "Escape" && !sheet.hidden) {
    showSheet(sheet, false);
    event.preventDefault();
    return;
  }
  // Tab from the open sheet closes it and goes back to where the focus was: it moved to the page behind the sheet, which
  // stayed open over it (keyboard pass, 2026-12-07).
  if (sheet && event.key === "Tab" && !sheet.hidden && target === sheet) {
    showSheet(sheet, false);
    event.preventDefault();
    return;
  }
  // "?" in the empty plate field, where the station rests and its hint says to press "?", opens the sheet: it went into
  // the field as text, and the next scan was refused as "?LP-…" (keyboard pass, 2026-12-07). No plate starts with "?";
  // after the first character it is text, as in any field.
  const inEmptyPlateField = target instanceof HTMLInputElement && target.id === "scan" && target.value === "";
  if (isTypingTarget(target) && !(inEmptyPlateField && event.key === "?")) return;
  if (sheet && event.key === "?") {
    showSheet(sheet, sheet.hidden);
    event.preventDefault();
    return;
  }
  const picker = document.querySelector("[data-grade-keys]");
  if (picker && event.key >= "1" && event.key <= "5") {
    const button = picker.querySelector(`[data-grade-key="${event.key}"]`);
    if (button) {
      event.preventDefault();
      button.click();
    }
  }
}

document.addEventListener("keydown", onKeyDown);
