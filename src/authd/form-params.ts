// Strict parsing of `application/x-www-form-urlencoded` data (WHATWG URL §5.1, as Prosody encodes it):
// the same grammar serves the query string and the body. Unlike URLSearchParams this rejects bad
// percent-encoding and invalid UTF-8 instead of silently substituting U+FFFD, and reports
// duplicates, so a request can never mean two things.

export type FormParseResult =
  | { readonly ok: true; readonly params: ReadonlyMap<string, string> }
  | { readonly ok: false; readonly reason: string };

const HEX = /^[0-9A-Fa-f]{2}$/;
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Decodes one name or value: `+` is a space, `%xx` a byte; the bytes must be valid UTF-8. */
export function decodeComponent(raw: string): string | undefined {
  // A lone surrogate has no UTF-8 form; re-encoding it would silently make it U+FFFD.
  if (LONE_SURROGATE.test(raw)) return undefined;
  if (!raw.includes("%") && !raw.includes("+")) return raw;
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    // By code point, not UTF-16 unit: a non-BMP character is two units but one UTF-8 sequence.
    const ch = String.fromCodePoint(raw.codePointAt(i)!);
    if (ch.length === 2) i++;
    if (ch === "+") bytes.push(0x20);
    else if (ch === "%") {
      const hex = raw.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      // Raw characters are re-encoded so the whole component is decoded as one byte sequence.
      for (const b of Buffer.from(ch, "utf8")) bytes.push(b);
    }
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}

/**
 * Parses `sources` (query string, then body) into one map of the `wanted` names; other names are
 * ignored but must still decode. A wanted name given twice, in one source or across both, is an error.
 */
export function parseForm(sources: readonly string[], wanted: readonly string[]): FormParseResult {
  const params = new Map<string, string>();
  for (const source of sources) {
    if (source === "") continue;
    for (const pair of source.split("&")) {
      if (pair === "") continue;
      const eq = pair.indexOf("=");
      const name = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
      const value = decodeComponent(eq === -1 ? "" : pair.slice(eq + 1));
      if (name === undefined || value === undefined) {
        return { ok: false, reason: "bad percent-encoding or invalid UTF-8" };
      }
      if (!wanted.includes(name)) continue;
      if (params.has(name)) return { ok: false, reason: `duplicate parameter: ${name}` };
      params.set(name, value);
    }
  }
  return { ok: true, params };
}
