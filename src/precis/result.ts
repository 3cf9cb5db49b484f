// RFC 8264 §7: a profile either yields the enforced string or says why the input is not conforming.
export type PrecisResult =
  { readonly ok: true; readonly value: string } | { readonly ok: false; readonly reason: string };

export function ok(value: string): PrecisResult {
  return { ok: true, value };
}

export function fail(reason: string): PrecisResult {
  return { ok: false, reason };
}

/** "U+00DF": how reasons name a code point, so a log line is unambiguous whatever the terminal shows. */
export function hexCp(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** UTF-8 length: RFC 7622 limits each JID part in bytes, not characters. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, "utf8");
}
