// How a download is labelled so that an uploaded page never runs in the server's origin: only
// media and plain text are shown inline; everything else (HTML, SVG, PDF, scripts…) is an
// attachment. Every download also gets nosniff and a sandboxing Content-Security-Policy.

/** Types a browser may render inline without running anything. SVG is an image that runs scripts. */
export function isInlineSafe(contentType: string): boolean {
  const type = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  if (type === "image/svg+xml") return false;
  return /^(image|audio|video)\/[a-z0-9.+-]+$/.test(type) || type === "text/plain";
}

/** A media type as the slot request gives it: type/subtype with optional parameters, no controls. */
export function isContentType(s: string): boolean {
  return (
    s.length <= 255 &&
    /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[ !#-[\]-~]*"|[A-Za-z0-9!#$&^_.+-]+))*$/u.test(
      s,
    )
  );
}

/** RFC 6266 with RFC 8187 for non-ASCII names; the ASCII fallback drops what could break quoting. */
export function contentDisposition(kind: "inline" | "attachment", filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** The headers every download carries, besides length and range ones. */
export function downloadHeaders(contentType: string, filename: string): Record<string, string> {
  const inline = isInlineSafe(contentType);
  return {
    "Content-Type": contentType,
    "Content-Disposition": contentDisposition(inline ? "inline" : "attachment", filename),
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Cache-Control": "private, max-age=604800, immutable",
    "Referrer-Policy": "no-referrer",
  };
}

/** CORS (Fetch standard): web clients on any origin upload and download with these. */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, HEAD, PUT, OPTIONS",
  "Access-Control-Allow-Headers": "Authorization, Content-Type",
  "Access-Control-Max-Age": "7200",
};
