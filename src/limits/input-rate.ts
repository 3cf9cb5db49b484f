// Bandwidth limits on client streams, as Prosody's mod_limits (`limits = { c2s = { rate, burst } }`):
// a connection may send `rate` bytes per second on average and `rate × burst` at once. Past that the
// server stops reading from it until it is back within the limit, so TCP pushes back on the sender
// and one client cannot take the event loop, the heap or the cluster's Redis from everyone else
// (RFC 6120 §13.12, denial of service).
import { isTable, type Check } from "../config/validators.ts";

export interface InputRateOptions {
  readonly rate: number;
  readonly burst: number;
}

/** The `limits` option: per kind of stream, its rate, or false for none. */
export interface InputLimits {
  readonly c2s: InputRateOptions | false;
}

/** mod_limits' defaults when it is enabled without a `limits` table (Debian enables it). */
export const DEFAULT_C2S_RATE: InputRateOptions = { rate: 10 * 1024, burst: 2 };

/** How often this process stopped reading from a connection for being over its rate. */
export class InputRateStats {
  holds = 0;

  metrics(): string {
    return (
      "# HELP xha_c2s_input_held_total Times a client connection went over the limits rate and reading from it stopped for a while.\n" +
      "# TYPE xha_c2s_input_held_total counter\n" +
      `xha_c2s_input_held_total ${this.holds}\n`
    );
  }
}

/** A token bucket of bytes: full at start, refilled at the rate, never above rate × burst. */
export class InputRate {
  private balance: number;
  private at: number;

  constructor(
    private readonly options: InputRateOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.balance = this.capacity;
    this.at = now();
  }

  private get capacity(): number {
    return this.options.rate * this.options.burst;
  }

  /** Charges `bytes` just received; returns the milliseconds to stop reading for (0: within it). */
  charge(bytes: number): number {
    const t = this.now();
    const refill = ((t - this.at) * this.options.rate) / 1000;
    this.at = t;
    this.balance = Math.min(this.capacity, this.balance + refill) - bytes;
    return this.balance >= 0 ? 0 : Math.ceil((-this.balance * 1000) / this.options.rate);
  }
}

// Prosody's units are decimal: "10kb/s" is 10,000 bytes a second, "1mb/s" a million.
const UNITS: Record<string, number> = { b: 1, k: 1e3, m: 1e6, g: 1e9 };
const MAX_RATE = 1e10;

/** "10kb/s", "500 b/s", "2mb/s" (Prosody's form), or a number of bytes per second. */
export function parseRate(v: unknown): number | string {
  if (typeof v === "number") {
    return Number.isFinite(v) && v >= 1 && v <= MAX_RATE ? v : `must be from 1 to ${MAX_RATE} bytes a second`;
  }
  const m = typeof v === "string" ? /^(\d+(?:\.\d+)?) ?([a-z]+)\/s$/i.exec(v.trim()) : null;
  const unit = m?.[2]?.[0]?.toLowerCase();
  const scale = unit === undefined ? undefined : UNITS[unit];
  if (m === null || scale === undefined) return 'must be a rate such as "10kb/s" (b, kb, mb, gb per second)';
  const rate = Number(m[1]) * scale;
  return rate >= 1 && rate <= MAX_RATE ? rate : `must be from 1 b/s to ${MAX_RATE / 1e9} gb/s`;
}

/** "2s", "0.5 s", or a number of seconds. */
export function parseBurst(v: unknown): number | string {
  const n =
    typeof v === "number"
      ? v
      : typeof v === "string"
        ? Number(/^(\d+(?:\.\d+)?) ?s$/.exec(v.trim())?.[1])
        : NaN;
  return Number.isFinite(n) && n >= 0.1 && n <= 3600
    ? n
    : 'must be a number of seconds from 0.1 to 3600, such as "2s"';
}

function streamRate(kind: string, v: unknown): InputRateOptions | false | string {
  if (v === false) return false;
  if (!isTable(v)) return `${kind} must be a table { rate = "10kb/s", burst = "2s" } or false`;
  for (const k of Object.keys(v))
    if (k !== "rate" && k !== "burst") return `${kind}.${k} is not an option (rate, burst)`;
  const rate = v.rate === undefined ? DEFAULT_C2S_RATE.rate : parseRate(v.rate);
  if (typeof rate === "string") return `${kind}.rate ${rate}`;
  const burst = v.burst === undefined ? DEFAULT_C2S_RATE.burst : parseBurst(v.burst);
  if (typeof burst === "string") return `${kind}.burst ${burst}`;
  return { rate, burst };
}

/**
 * `limits = { c2s = { rate = "10kb/s", burst = "2s" } }`, or `c2s = false` for none. Prosody's
 * `s2sin`/`s2sout` are accepted and checked so a carried-over table loads, and have no effect here
 * (this server has no server-to-server streams).
 */
export const limitsOption: Check<InputLimits> = (v) => {
  if (!isTable(v)) return { ok: false, message: 'must be a table such as { c2s = { rate = "10kb/s" } }' };
  let c2s: InputRateOptions | false = DEFAULT_C2S_RATE;
  for (const [kind, raw] of Object.entries(v)) {
    if (kind !== "c2s" && kind !== "s2sin" && kind !== "s2sout")
      return { ok: false, message: `${kind} is not a kind of stream (c2s)` };
    const r = streamRate(kind, raw);
    if (typeof r === "string") return { ok: false, message: r };
    if (kind === "c2s") c2s = r;
  }
  return { ok: true, value: { c2s } };
};
