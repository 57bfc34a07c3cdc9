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

window.addEventListener("keydown", onKeyDownFirst, true);
