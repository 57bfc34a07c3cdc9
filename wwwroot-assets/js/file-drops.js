// A file dropped on a page that has no use for it there is ignored: the browser's own default opened the file in place
// of the page, and the page's unsaved work (a supervisor's review, a filter) went with it. The station takes drops
// anywhere (station.js, on the document, before this); a file picker (a model's files on the Models page) takes its
// own. Listens on the window, last in the event's way: whatever took the drop before has prevented the default.

const carriesFiles = (event) => !!event.dataTransfer && Array.from(event.dataTransfer.types || []).includes("Files");
const isFilePicker = (target) => target instanceof HTMLInputElement && target.type === "file";

function ignoreFileDrop(event) {
  if (event.defaultPrevented || !carriesFiles(event) || isFilePicker(event.target)) return;
  event.preventDefault();
  if (event.type === "dragover") event.dataTransfer.dropEffect = "none"; // the pointer says "not here"
}

window.addEventListener("dragover", ignoreFileDrop);
window.addEventListener("drop", ignoreFileDrop);
