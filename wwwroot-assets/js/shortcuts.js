// Keyboard help and grade keys shared by the station and the review page (issue 17). Imported by both pages; the
// listener is attached once per document (a module's top level runs once) and acts only on what the page shows:
//   ?       shows or hides the page's shortcut sheet ([data-shortcut-sheet]); Escape hides it.
//   1 to 5  on a page whose grade picker is marked [data-grade-keys] (the review page), picks that grade. The station
//           handles its own grade keys (station.js), since they also close pending questions there.
// Never while the person types in a field: a key there is text.

function isTypingTarget(target) {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  return tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && !["button", "checkbox", "radio"].includes(target.type));
}

function onKeyDown(event) {
  if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return;
  const target = event.target instanceof Element ? event.target : null;
  const sheet = document.querySelector("[data-shortcut-sheet]");
  if (sheet && event.key === "Escape" && !sheet.hidden) {
    sheet.hidden = true;
    event.preventDefault();
    return;
  }
  if (isTypingTarget(target)) return;
  if (sheet && event.key === "?") {
    sheet.hidden = !sheet.hidden;
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

if (!window.graderShortcutsAttached) {
  window.graderShortcutsAttached = true;
  document.addEventListener("keydown", onKeyDown);
}

export function ready() {
  return true;
}
