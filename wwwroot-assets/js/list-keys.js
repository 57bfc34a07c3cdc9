// Lists (MudSelect) keep only the keys that belong to them (keyboard audit, 2026-12-05). MudSelect 9 moves to its first
// option on a letter or digit that starts no option, so after "D" (the disposition key) a grade key reset the
// associate's Recycle or Refurbish to Restock, without a word, and the form then called it "Your choice". A list marked
// [data-list-keys="<first letters of its options>"] hears those letters and the named keys (arrows, Enter, Escape, Tab,
// Home, End, space); any other character is kept from it, and a grade key (1 to 5) goes to the page's grade keys with
// the focus out of the list. Listens on the window before anything else (capture), so the list never sees the key.

import { isPlainCharacter } from "./typing.js";

function onKeyDownFirst(event) {
  if (!isPlainCharacter(event)) return;
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

window.addEventListener("keydown", onKeyDownFirst, true);

// A list keeps the focus after a choice made with the pointer, as it does after one made with the keys (review-desk
// pass, 2026-12-05). MudSelect 9 shows an empty list as an <input> and a chosen one as a <div>: the choice hides the
// focused element and moves the list's attributes to another. After a keyboard choice MudSelect focuses the new one
// itself; after a pointer choice nobody did, the focus fell to the page's body, the browser's next Tab went back into the
// list, and a note typed there changed the reason (its letters) and the grade (its digits). So when the list that has the
// focus loses it to nowhere because it stopped being that list (hidden, stripped of its marks or taken off the page), the
// list now in its place (the same test id, name and position) takes the focus back, within a second. Nothing happens when
// the person moved the focus on: clicked elsewhere (the list is still there), tabbed out or chose another control.
let focusedList = null; // { element, selector, index }: the list that has the focus
let lostList = null; // { selector, index, until }: a list that lost the focus by changing under it

function listSelector(list) {
  const parts = ["[data-list-keys]"];
  if (list.dataset.testid) parts.push(`[data-testid="${CSS.escape(list.dataset.testid)}"]`);
  const name = list.getAttribute("aria-label");
  if (name) parts.push(`[aria-label="${CSS.escape(name)}"]`);
  return parts.join("");
}

function isStillTheList(element) {
  return element.isConnected && element.matches("[data-list-keys]") && element.getClientRects().length > 0;
}

function onFocusIn(event) {
  const target = event.target instanceof Element ? event.target : null;
  const list = target ? target.closest("[data-list-keys]") : null;
  if (list) {
    const selector = listSelector(list);
    focusedList = { element: list, selector, index: [...document.querySelectorAll(selector)].indexOf(list) };
    lostList = null;
  } else if (!target || !target.closest(".mud-popover")) {
    focusedList = null; // the focus went on to another control (a list's own options are in its popover)
    lostList = null;
  }
}

function onFocusOut(event) {
  if (!focusedList || event.relatedTarget !== null || !focusedList.element.contains(event.target)) return;
  markLost();
}

function markLost() {
  const list = focusedList;
  focusedList = null;
  if (isStillTheList(list.element)) return; // focus to nowhere from a list still there: the person clicked outside it
  lostList = { selector: list.selector, index: list.index, until: performance.now() + 1000 };
  requestAnimationFrame(restoreLostList);
}

function restoreLostList() {
  if (!lostList) return;
  const active = document.activeElement;
  if (performance.now() > lostList.until || (active && active !== document.body)) {
    lostList = null; // too late, or the focus is somewhere already
    return;
  }
  const replacement = document.querySelectorAll(lostList.selector)[lostList.index];
  const focusable = replacement && (replacement.tabIndex >= 0 ? replacement : replacement.querySelector("input, [tabindex]"));
  if (focusable && focusable.getClientRects().length > 0) {
    lostList = null;
    focusable.focus();
  }
}

function onPageChanged() {
  // A focused list taken off the page may leave without a focusout; its replacement may come a render later.
  if (focusedList && !focusedList.element.isConnected && (!document.activeElement || document.activeElement === document.body)) markLost();
  restoreLostList();
}

document.addEventListener("focusin", onFocusIn, true);
document.addEventListener("focusout", onFocusOut, true);
new MutationObserver(onPageChanged).observe(document.documentElement, { childList: true, subtree: true });
