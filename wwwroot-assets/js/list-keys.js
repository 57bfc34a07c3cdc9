// Lists (MudSelect) keep only the keys that belong to them (keyboard audit, 2026-12-05). MudSelect 9 moves to its first
// option on a letter or digit that starts no option, so after "D" (the disposition key) a grade key reset the
// associate's Recycle or Refurbish to Restock, without a word, and the form then called it "Your choice". A list marked
// [data-list-keys="<first letters of its options>"] hears those letters and the named keys (arrows, Enter, Escape, Tab,
// Home, End, space); any other character is kept from it, and a grade key (1 to 5) goes to the page's grade keys with
// the focus out of the list. Listens on the window before anything else (capture), so the list never sees the key.

function onKeyDownFirst(event) {
  if (event.ctrlKey || event.altKey || event.metaKey || event.key.length !== 1 || event.key === " ") return;
  const target = event.target instanceof Element ? event.target : null;
  const list = target ? target.closest("[data-list-keys]") : null;
  if (!list || list.dataset.listKeys.includes(event.key.toLowerCase())) return;
  event.preventDefault();
  event.stopPropagation();
  if (event.key >= "1" && event.key <= "5") {
    target.blur();
    document.body.dispatchEvent(new KeyboardEvent("keydown", { key: event.key, bubbles: true, cancelable: true }));
  }
}

// A list is one Tab stop. MudSelect 9 has two (its input, then an inner div), and drops the focus to the page's body
// when an option is chosen, so the browser's next Tab started from the list again: a supervisor who chose a reason code
// and pressed Tab to write a note was still in the list, the note's letters changed the reason and its digits the grade,
// without a word (review-desk pass, 2026-12-05). The focus goes back to the list an option was chosen in, and Tab out of
// a closed list goes to the next control outside it (Shift+Tab to the one before it).
const listOpen = () => document.querySelector(".mud-popover-open .mud-list-item") !== null;

// The list an option was just chosen in, while the focus sits on the page's body (MudSelect leaves it there).
let chosenIn = null;
let lastList = null;

function onTabFirst(event) {
  if (event.key !== "Tab" || event.ctrlKey || event.altKey || event.metaKey) return;
  const target = event.target instanceof Element ? event.target : null;
  const onBody = !target || target === document.body || target === document.documentElement;
  const list = (target && target.closest("[data-list-keys]")) || (onBody ? current(chosenIn) : null);
  chosenIn = null;
  if (!list || listOpen()) return; // an open list keeps its own Tab
  // By tabIndex, not by attribute: MudSelect's own stop may be made focusable without a tabindex attribute.
  const all = [...document.querySelectorAll("*")].filter((e) => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length > 0);
  const inside = all.filter((e) => list.contains(e));
  if (inside.length === 0) return;
  const next = event.shiftKey
    ? all.slice(0, all.indexOf(inside[0])).reverse().find((e) => !list.contains(e))
    : all.slice(all.indexOf(inside[inside.length - 1]) + 1).find((e) => !list.contains(e));
  if (!next) return;
  event.preventDefault();
  event.stopPropagation();
  next.focus();
}

// Lists are remembered by their place among the page's lists: choosing re-renders the list, and the element the focus
// was in is gone by the time Tab is pressed.
const lists = () => [...document.querySelectorAll("[data-list-keys]")];
const current = (index) => (index === null ? null : lists()[index] || null);

function onFocusIn(event) {
  const target = event.target instanceof Element ? event.target : null;
  const list = target ? target.closest("[data-list-keys]") : null;
  if (list) lastList = lists().indexOf(list);
  else if (target && !target.closest(".mud-popover")) chosenIn = null; // the focus went elsewhere: Tab starts from there
}

// A click in an open list, or Enter / space while one is open: an option is being chosen in the list last focused.
function onChoose(event) {
  if (event.type === "keydown" && event.key !== "Enter" && event.key !== " ") return;
  if (listOpen() && lastList !== null && lastList >= 0) chosenIn = lastList;
}

window.addEventListener("keydown", onKeyDownFirst, true);
window.addEventListener("keydown", onTabFirst, true);
window.addEventListener("focusin", onFocusIn, true);
window.addEventListener("keydown", onChoose, true);
window.addEventListener("click", onChoose, true);
