// One answer, for every page's key handling, to "is this key text the person is typing?": a key in a text field, a
// select or an editable element is text there, never a shortcut (station.js, shortcuts.js).
export function isTypingTarget(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  const type = (target.getAttribute("type") || "text").toLowerCase();
  return !["checkbox", "radio", "button", "submit", "file"].includes(type);
}
