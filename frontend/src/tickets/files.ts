// Files the API answers with a token (QR codes, the tickets PDF, the CSV exports): a plain link or <img src> cannot
// send the token, so the page fetches them and hands them over itself. The app's Content-Security-Policy allows
// images from `data:` (not `blob:`), so a QR code becomes a data: URL; a download goes through a blob: URL, which a
// link with `download` may open (CSP governs what a page loads, not what it saves).
import type { ApiFile } from '../api/tickets';

/** An SVG document as a data: URL for an <img> (where an SVG can never run script). */
export function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

/** The file name of a Content-Disposition header (`filename*=UTF-8''…` or `filename="…"`), or the fallback. */
export function fileNameFrom(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  if (extended) {
    try {
      return safeName(decodeURIComponent(extended[1].trim()), fallback);
    } catch {
      /* a malformed escape: try the plain parameter */
    }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/.exec(disposition);
  return safeName((plain?.[1] ?? plain?.[2] ?? '').trim(), fallback);
}

/** No folders and no control characters in a name the server chose. */
function safeName(name: string, fallback: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\\/]/g, '_').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return clean || fallback;
}

/** Save a fetched file under its name (the browser's download, as if from a link). */
export function saveFile(file: ApiFile, fallbackName: string): void {
  const url = URL.createObjectURL(file.blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileNameFrom(file.disposition, fallbackName);
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the URL by now; a moment later it can go.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
