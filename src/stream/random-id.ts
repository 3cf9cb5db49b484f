// RFC 6120 §4.7.3: stream ids must be unique and unpredictable. Taken from a pool filled by the
// CSPRNG in batches: one getrandom call per 256 ids instead of one (or more) per login.
import { randomFillSync } from "node:crypto";

const ID_BYTES = 12;
const pool = Buffer.alloc(ID_BYTES * 256);
let offset = pool.length;

/** 12 random bytes as 16 base64url characters. */
export function randomId(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString("base64url", offset, offset + ID_BYTES);
  // Used bytes are overwritten so that no id can be read back from the pool.
  pool.fill(0, offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}
