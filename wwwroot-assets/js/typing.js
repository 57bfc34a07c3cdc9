// One answer, for every page's key handling, to "is this key text the person is typing?": a key in a text field, a
// select, a list or an editable element is text there, never a shortcut (station.js, shortcuts.js, review.js; scan-keys.js
// takes the lists out: a scanner's burst on one is a scan).
export function isTypingTarget(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  // A list (MudSelect, marked [data-list-keys]) hears its own letters: "r" there is Restock, not "reject the box".
  if (target.closest("[data-list-keys], [role=combobox]")) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  const type = (target.getAttribute("type") || "text").toLowerCase();
  return !["checkbox", "radio", "button", "submit", "file"].includes(type);
}

/** A key that types one visible character, no Ctrl, Alt or Meta held, not a space: what a plate, a list's letter or a
 * shortcut's letter is made of. One answer for station.js, scan-keys.js and list-keys.js (each had written it). */
export function isPlainCharacter(event) {
  return event.key.length === 1 && event.key !== " " && !event.ctrlKey && !event.altKey && !event.metaKey;
}
