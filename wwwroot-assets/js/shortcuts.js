// Keyboard help and grade keys shared by the station and the review page (issue 17). Loaded once with the document
// (App.razor); the listener acts only on what the current page shows:
//   ?       shows or hides the page's shortcut sheet ([data-shortcut-sheet]); Escape hides it.
//   1 to 5  on a page whose grade picker is marked [data-grade-keys] (the review page), picks that grade. The station
//           handles its own grade keys (station.js), since they also close pending questions there.
//   N / P   on a page whose region rows are marked [data-region-keys] (the review page), choose the next / previous row;
//   A / R   keep the chosen one as damage / mark it not damage, by pressing its own toggle button (so the page's own
//           handler decides, and a key never acts on a row nobody chose).
// Never while the person types in a field: a key there is text.

import { isTypingTarget } from "./typing.js";

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
  const rows = [...document.querySelectorAll("[data-region-keys]")];
  if (rows.length > 0 && ["n", "p", "a", "r"].includes(event.key)) {
    event.preventDefault();
    const at = rows.findIndex((row) => row.classList.contains("region-selected"));
    if (event.key === "n" || event.key === "p") {
      const next = at < 0 ? (event.key === "n" ? 0 : rows.length - 1) : (at + (event.key === "n" ? 1 : -1) + rows.length) % rows.length;
      rows.forEach((row, i) => { row.classList.toggle("region-selected", i === next); row.dataset.selected = String(i === next); });
      rows[next].scrollIntoView({ block: "nearest" });
    } else if (at >= 0) {
      const deleted = rows[at].getAttribute("data-region-source") === "deleted";
      if ((event.key === "a" && deleted) || (event.key === "r" && !deleted)) rows[at].querySelector("button")?.click();
    }
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
