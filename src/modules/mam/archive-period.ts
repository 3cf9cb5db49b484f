// archive_expires_after in Prosody's forms: "never", a number of seconds, or a count with a unit
// letter: "d" (day), "w" (week), "m" (month) or "y" (year), e.g. "1w" (Prosody's default).
import type { Check } from "../../config/validators.ts";

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  "": 1,
  d: 86_400,
  w: 604_800,
  m: 2_629_746, // a Gregorian month on average, as Prosody counts it
  y: 31_556_952,
};

/** Seconds after which archived messages are deleted, or undefined for "never". */
export function expirySeconds(value: string | number): number | undefined {
  if (typeof value === "number") return value;
  if (value === "never") return undefined;
  const m = /^\s*(\d+)\s*([dwmy]?)\s*$/i.exec(value);
  const unit = UNIT_SECONDS[(m?.[2] ?? "").toLowerCase()];
  if (m === null || unit === undefined) throw new Error(`not an archive period: ${value}`);
  return Number(m[1]) * unit;
}

export const archivePeriod: Check<string | number> = (v) => {
  const bad = {
    ok: false as const,
    message: 'must be "never", a number of seconds (at least 60), or like "1d", "2w", "6m", "1y"',
  };
  if (typeof v === "number") return Number.isFinite(v) && v >= 60 ? { ok: true, value: v } : bad;
  if (typeof v !== "string") return bad;
  try {
    const s = expirySeconds(v);
    return s === undefined || s >= 60 ? { ok: true, value: v } : bad;
  } catch {
    return bad;
  }
};
