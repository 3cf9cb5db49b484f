// Range requests on downloads (RFC 9110 §14): one bytes range, "a-b", "a-" or "-n". Several ranges
// (multipart/byteranges) are answered with the whole file, which §14.2 allows.

export type RangeVerdict =
  | { readonly kind: "full" }
  | { readonly kind: "partial"; readonly start: number; readonly end: number }
  | { readonly kind: "unsatisfiable" };

export function parseRange(header: string | undefined, size: number): RangeVerdict {
  if (header === undefined) return { kind: "full" };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Unknown units, lists and malformed values are ignored: the whole representation (§14.2).
  if (m === null || (m[1] === "" && m[2] === "")) return { kind: "full" };
  const first = m[1] ?? "";
  const last = m[2] ?? "";
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return { kind: "unsatisfiable" };
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return { kind: "full" };
  return { kind: "partial", start, end };
}
