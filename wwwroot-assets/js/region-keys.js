// What a key means for damage regions, the same on the station (station.js) and the review page (review.js), issue 17:
// N/P choose the next / previous region, A/R accept / reject the chosen one, Shift+1..6 set its damage type in the
// rubric's order. event.code, not event.key, for the digits: Shift+1 is "!" on a US keyboard and something else elsewhere.
// Returns [action, typeNumber] for the page's OnRegionKey, or null when the key is not a region key.
export function regionKeyOf(event) {
  if (event.ctrlKey || event.altKey || event.metaKey) return null;
  // Caps Lock on gives "N" without Shift: the same key (review-desk pass: capitals did nothing, the sheet shows capitals).
  const action = !event.shiftKey && { n: "next", p: "previous", a: "accept", r: "reject" }[event.key.toLowerCase()];
  if (action) return [action, 0];
  if (event.shiftKey && /^Digit[1-6]$/.test(event.code)) return ["type", Number(event.code.slice(5))];
  return null;
}
