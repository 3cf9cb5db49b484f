// XML 1.0 §4.3.3 and RFC 3629: strict UTF-8 decoding of a byte stream that arrives in pieces.
import { isUtf8 } from "node:buffer";

/**
 * Decodes chunk by chunk, holding back a character cut at the end of a chunk (at most 3 bytes)
 * until the next one. Invalid input (overlong forms, surrogates, stray continuation bytes…) is
 * refused, as a fatal `TextDecoder` would, but without a native converter per connection: the
 * complete part of each chunk is validated by `buffer.isUtf8` and decoded by `toString`.
 */
export class Utf8Stream {
  private held: Buffer | undefined;

  /** The text of the complete characters so far, or undefined when the bytes are not UTF-8. */
  decode(chunk: Buffer): string | undefined {
    const bytes = this.held === undefined ? chunk : Buffer.concat([this.held, chunk]);
    this.held = undefined;
    const end = completeLength(bytes);
    if (!isUtf8(bytes.subarray(0, end))) return undefined;
    if (end < bytes.length) this.held = Buffer.from(bytes.subarray(end));
    return bytes.toString("utf8", 0, end);
  }

  /** Whether part of a character is waiting for its next bytes. */
  get pending(): boolean {
    return this.held !== undefined;
  }
}

/** The length of `bytes` without an incomplete last character (a lead byte missing continuations). */
function completeLength(bytes: Buffer): number {
  const n = bytes.length;
  // Step back over up to 3 continuation bytes (10xxxxxx) to the byte that should lead them.
  for (let i = n - 1; i >= 0 && i >= n - 4; i--) {
    const b = bytes[i] ?? 0;
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    // A lead byte 0xF8 or above is invalid whatever follows: leave it to isUtf8.
    return b < 0xf8 && n - i < need ? i : n;
  }
  return n;
}
