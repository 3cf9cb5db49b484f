// XEP-0198 §4: the handled-stanza counter `h` is an unsigned 32-bit integer that wraps to zero.
export const H_MODULUS = 2 ** 32;

/** `h` after one more stanza. */
export function nextH(h: number): number {
  return (h + 1) % H_MODULUS;
}

/** How many stanzas `h` acknowledges beyond `last` (both counters, modulo 2^32). */
export function ackedSince(last: number, h: number): number {
  return (((h - last) % H_MODULUS) + H_MODULUS) % H_MODULUS;
}

/** The `h` attribute: decimal digits of a value below 2^32; undefined when absent or malformed. */
export function parseH(value: string | undefined): number | undefined {
  if (value === undefined || !/^[0-9]{1,10}$/.test(value)) return undefined;
  const h = Number(value);
  return h < H_MODULUS ? h : undefined;
}
