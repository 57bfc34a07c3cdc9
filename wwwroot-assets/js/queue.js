// The review queue, keyboard first: once the list is live, the first row's Review button has the focus, so Enter claims
// the item that has waited longest at the top priority (after a decision the supervisor came back to the page's body,
// twelve Tabs away from it; keyboard audit, 2026-12-05).
export function focusFirstClaim() {
  if (document.activeElement && document.activeElement !== document.body) return; // the supervisor is elsewhere already
  const claim = document.querySelector("[data-testid=claim]:not([disabled])");
  if (claim) claim.focus({ preventScroll: true });
}
