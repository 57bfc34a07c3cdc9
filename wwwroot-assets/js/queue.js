// The review queue, keyboard first: once the list is live, the first row's Review button has the focus, so Enter claims
// the item that has waited longest at the top priority (after a decision the supervisor came back to the page's body,
// twelve Tabs away from it; keyboard audit, 2026-12-05).

/** The first Review button of a row nobody else holds: Enter on a held one only says who holds it (keyboard pass, 2026-12-07). */
const freeClaim = () => document.querySelector("[data-testid=claim]:not([disabled]):not([data-held-by-another])");

export function focusFirstClaim() {
  if (document.activeElement && document.activeElement !== document.body) return; // the supervisor is elsewhere already
  const claim = freeClaim() ?? document.querySelector("[data-testid=claim]:not([disabled])");
  if (claim) claim.focus({ preventScroll: true });
}

// A claim refused as held by someone else re-reads the list, and the button pressed may be gone: the focus goes to the
// first row nobody else holds, not the page's body (keyboard pass, 2026-12-07).
export function focusFreeClaim() {
  if (document.activeElement && document.activeElement !== document.body && document.activeElement.isConnected) return;
  freeClaim()?.focus({ preventScroll: true });
}
