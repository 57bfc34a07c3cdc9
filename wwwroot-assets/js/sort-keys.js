// Sortable column headers, keyboard first (keyboard audit, 2026-12-05): MudBlazor 9's MudTableSortLabel is a <span>
// that only a pointer can press (MudBlazor/MudBlazor#13408, a fix open upstream). The pages mark theirs focusable
// buttons ([data-sort-keys] with tabindex and role=button); Enter or Space on one presses it, as on a real button.

function onKeyDown(event) {
  if (event.ctrlKey || event.altKey || event.metaKey || (event.key !== "Enter" && event.key !== " ")) return;
  const label = event.target instanceof Element ? event.target.closest("[data-sort-keys]") : null;
  if (!label) return;
  event.preventDefault(); // Space would scroll the page
  label.click();
}

document.addEventListener("keydown", onKeyDown);
