// RFC 6120 §13.12 (denial of service): byte and depth limits shared by the TCP and WebSocket parsers.

export interface XmlLimits {
  /** A single stanza (top-level element), start tag to end tag, in bytes. */
  readonly maxStanzaBytes: number;
  /** Everything before the end of the stream header (XML declaration, whitespace, <stream:stream>). */
  readonly maxHeaderBytes: number;
  /** Whitespace between two stanzas (keepalives); the count restarts at each stanza. */
  readonly maxIdleBytes: number;
  /** Levels of elements in one stanza, the stanza itself being level 1. */
  readonly maxStanzaDepth: number;
}

/** Prosody's default stanza limit (c2s_stanza_size_limit) is 256 KiB; we follow it. */
export const DEFAULT_LIMITS: XmlLimits = Object.freeze({
  maxStanzaBytes: 262_144,
  maxHeaderBytes: 8_192,
  // A keepalive is one byte; this allows a week of one per 10 s without a single stanza.
  maxIdleBytes: 65_536,
  // Real stanzas nest a dozen levels at most (a forwarded carbon of a PubSub event); deeper ones only
  // cost: the namespace lookups of saxes and of the element builder walk every open element.
  maxStanzaDepth: 64,
});

/** Validates limits once, up front; a bad value is a programmer mistake, so it throws. */
export function resolveLimits(options: Partial<XmlLimits>): XmlLimits {
  const limits = { ...DEFAULT_LIMITS };
  let changed = false;
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof XmlLimits)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`${key} must be a positive integer, got ${String(value)}`);
    }
    limits[key] = value;
    changed ||= value !== DEFAULT_LIMITS[key];
  }
  // The defaults are shared: a parser per connection need not carry a copy of its own.
  return changed ? Object.freeze(limits) : DEFAULT_LIMITS;
}
