// Saves text the page made (e.g. the quality report as CSV) as a file, without a server round trip: a Blob URL that is
// revoked right after the click.
export function saveText(fileName, text, mimeType) {
  const url = URL.createObjectURL(new Blob([text], { type: mimeType }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}
