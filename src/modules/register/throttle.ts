// Abuse limit for XEP-0077 registration (§10 asks servers to guard against mass registration): at most
// `max` attempts per IP address per fixed window, kept in memory and bounded in size.

export interface ThrottleOptions {
  /** Attempts allowed per address per period; 0 disables the limit. */
  readonly max: number;
  readonly periodMs: number;
  /** Addresses tracked at once; past it the expired windows go first, then the oldest. */
  readonly maxAddresses?: number;
  readonly now?: () => number;
}

interface Window {
  readonly start: number;
  count: number;
}

export const DEFAULT_MAX_ADDRESSES = 10_000;

/** "::ffff:192.0.2.1" (IPv4 on a dual-stack socket) counts as "192.0.2.1". */
export function throttleKey(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

export class RegistrationThrottle {
  // Insertion order is window-start order (a window that restarts is re-inserted), so the first
  // entries are always the oldest: expiry and eviction only ever look at the front.
  private readonly windows = new Map<string, Window>();
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(private readonly options: ThrottleOptions) {
    this.maxAddresses = options.maxAddresses ?? DEFAULT_MAX_ADDRESSES;
    this.now = options.now ?? Date.now;
  }

  /** Counts one attempt from `address`; false when the address is over its limit. */
  take(address: string): boolean {
    if (this.options.max === 0) return true;
    const key = throttleKey(address);
    const now = this.now();
    const current = this.windows.get(key);
    if (current !== undefined && now - current.start < this.options.periodMs) {
      if (current.count >= this.options.max) return false;
      current.count += 1;
      return true;
    }
    this.windows.delete(key);
    this.makeRoom(now);
    this.windows.set(key, { start: now, count: 1 });
    return true;
  }

  /** Addresses currently tracked (for tests and metrics). */
  get size(): number {
    return this.windows.size;
  }

  private makeRoom(now: number): void {
    for (const [key, w] of this.windows) {
      if (now - w.start < this.options.periodMs) break;
      this.windows.delete(key);
    }
    // Still full: forget the oldest window. An attacker with that many addresses is not slowed by
    // a per-address limit anyway; memory stays bounded.
    while (this.windows.size >= this.maxAddresses) {
      const oldest = this.windows.keys().next();
      if (oldest.done === true) break;
      this.windows.delete(oldest.value);
    }
  }
}
