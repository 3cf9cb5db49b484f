// ejabberd's extauth framing (ejabberd docs, "External Authentication"; Prosody's mod_auth_external
// with external_auth_protocol = "ejabberd" speaks the same): each request is a 2-byte big-endian
// length and that many bytes; each answer is 0x0002 then 0x0000 (no) or 0x0001 (yes).

/** The largest payload a 2-byte length can announce. */
export const MAX_FRAME_BYTES = 0xffff;

export const ANSWER_YES: Buffer = Buffer.from([0, 2, 0, 1]);
export const ANSWER_NO: Buffer = Buffer.from([0, 2, 0, 0]);

export interface FrameDecoder {
  /** Feeds bytes as they arrive; returns the complete frames they finish (a frame may be empty). */
  push(chunk: Buffer): Buffer[];
  /** Bytes of an incomplete frame still held (non-zero at EOF means a truncated last frame). */
  readonly pending: number;
}

export function createFrameDecoder(): FrameDecoder {
  let held: Buffer = Buffer.alloc(0);
  return {
    push(chunk) {
      held = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
      const frames: Buffer[] = [];
      let at = 0;
      while (held.length - at >= 2) {
        const length = held.readUInt16BE(at);
        if (held.length - at - 2 < length) break;
        // A copy, so a held frame does not pin the whole chunk it came in.
        frames.push(Buffer.from(held.subarray(at + 2, at + 2 + length)));
        at += 2 + length;
      }
      held = at === held.length ? Buffer.alloc(0) : held.subarray(at);
      return frames;
    },
    get pending() {
      return held.length;
    },
  };
}
