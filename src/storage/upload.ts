// What the chat store keeps for XEP-0363 HTTP File Upload (component module http_file_share): one row
// per slot handed out, with its owner, declared size and type, the hash of its PUT token, and when it
// expires. The files themselves live under data_path; rows say which of them exist and for whom.

export interface UploadSlot {
  /** Unguessable id (≥128 random bits, base64url): the path segment of the PUT and GET URLs. */
  readonly id: string;
  /** The upload component's domain. */
  readonly service: string;
  /** Bare JID that asked for the slot. */
  readonly owner: string;
  readonly filename: string;
  /** Exact size in bytes the PUT must carry. */
  readonly size: number;
  readonly contentType: string;
  /** SHA-256 (hex) of the secret the PUT presents; the secret itself is never stored. */
  readonly putHash: string;
  /** Milliseconds since the epoch. */
  readonly created: number;
  readonly expires: number;
  /** When a PUT claimed the slot; undefined while it is free. */
  readonly uploaded: number | undefined;
}

/** Limits a new slot must fit in, counted over the owner's slots on the service since `since`. */
export interface UploadQuota {
  readonly since: number;
  readonly bytes: number;
  readonly slots: number;
}

/** Refused: `oldest` is the creation time of the oldest slot in the window (it frees room first). */
export type SlotVerdict = { readonly ok: true } | { readonly ok: false; readonly oldest: number };

export interface UploadStore {
  /** Records the slot unless it would take the owner past `quota`; atomic per owner. */
  createUploadSlot(slot: UploadSlot, quota: UploadQuota): Promise<SlotVerdict>;
  uploadSlot(id: string): Promise<UploadSlot | undefined>;
  /** Marks a free, unexpired slot as being uploaded; false when it was taken or gone (one PUT only). */
  claimUploadSlot(id: string, at: number): Promise<boolean>;
  /** Frees a claimed slot after a failed PUT, so the client may try again. */
  releaseUploadSlot(id: string): Promise<void>;
  /** Ids of the service's slots expired at `now`, at most `limit`, oldest expiry first. */
  expiredUploadSlots(service: string, now: number, limit: number): Promise<string[]>;
  deleteUploadSlots(ids: readonly string[]): Promise<void>;
}

// An account's removal (XEP-0077) expires its uploads at once, in deleteAccount's transaction: they
// stop being served, and their service's sweeper, which alone knows where the files are, deletes the
// files and rows on its next pass.

/** The table, the same in SQLite and PostgreSQL (both understand this DDL). */
export const UPLOAD_MIGRATION = `
  CREATE TABLE upload_slots (
    id TEXT PRIMARY KEY,
    service TEXT NOT NULL,
    owner TEXT NOT NULL,
    filename TEXT NOT NULL,
    size BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    put_hash TEXT NOT NULL,
    created BIGINT NOT NULL,
    expires BIGINT NOT NULL,
    uploaded BIGINT
  );
  CREATE INDEX upload_slots_owner ON upload_slots (service, owner, created);
  CREATE INDEX upload_slots_expires ON upload_slots (service, expires);`;

export interface UploadRow {
  id: string;
  service: string;
  owner: string;
  filename: string;
  size: number | string;
  content_type: string;
  put_hash: string;
  created: number | string;
  expires: number | string;
  uploaded: number | string | null;
}

/** A row as either driver returns it (PostgreSQL's int8 arrives as a string). */
export function toUploadSlot(r: UploadRow): UploadSlot {
  return {
    id: r.id,
    service: r.service,
    owner: r.owner,
    filename: r.filename,
    size: Number(r.size),
    contentType: r.content_type,
    putHash: r.put_hash,
    created: Number(r.created),
    expires: Number(r.expires),
    uploaded: r.uploaded === null ? undefined : Number(r.uploaded),
  };
}
