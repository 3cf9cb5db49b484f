// The message archive (XEP-0313) in the chat store: one row per archived message per account, keyed
// by an archive id (XEP-0359 stanza-id) that is unique, opaque to clients and ordered by time, so
// paging and time filters are both ranges over (account, id). Plus the per-account preferences
// (XEP-0441). Tables are prefixed `mam_`.
import { randomBytes } from "node:crypto";

export type ArchivePolicy = "always" | "never" | "roster";

/** XEP-0441: the default policy and the JIDs always or never archived (bare JIDs). */
export interface ArchivePrefs {
  readonly default: ArchivePolicy;
  readonly always: readonly string[];
  readonly never: readonly string[];
}

export interface ArchivedMessage {
  readonly id: string;
  /** Milliseconds since the epoch, when it was archived. */
  readonly at: number;
  /** The other party's bare JID. */
  readonly with: string;
  /** The serialized <message/> as delivered. */
  readonly stanza: string;
}

export interface ArchiveEntry extends ArchivedMessage {
  readonly account: string;
  /** The other party's full JID (its bare JID when it had no resource). */
  readonly withFull: string;
}

export interface ArchiveQuery {
  /** Only messages with this JID: matched on the bare JID, or exactly when `withFull` is set. */
  readonly with?: string | undefined;
  readonly withFull?: boolean | undefined;
  /** Milliseconds, inclusive. */
  readonly start?: number | undefined;
  readonly end?: number | undefined;
  /** Exclusive bounds; every one must be an id in the account's archive. */
  readonly after?: readonly string[] | undefined;
  readonly before?: readonly string[] | undefined;
  /** Exactly these messages, each of which must exist (XEP-0313 §4.1.3); the bounds are ignored. */
  readonly ids?: readonly string[] | undefined;
  readonly max: number;
  /** The page at the end of the range (RSM <before/>), rather than its start. */
  readonly backwards: boolean;
  /** Count every message matching the filters (RSM <count/>). */
  readonly count: boolean;
}

export interface ArchivePage {
  /** Oldest first. */
  readonly items: readonly ArchivedMessage[];
  /** No further messages in the direction of the query. */
  readonly complete: boolean;
  readonly count?: number | undefined;
}

export interface MamStore {
  /** Appends messages (several accounts' rows in one transaction). */
  archive(entries: readonly ArchiveEntry[]): Promise<void>;
  /** A page of the account's archive; undefined when an after/before id or one of `ids` is not in it. */
  queryArchive(account: string, q: ArchiveQuery): Promise<ArchivePage | undefined>;
  /** The oldest and newest archived messages (XEP-0313 metadata). */
  archiveBounds(account: string): Promise<{ first?: ArchivedMessage; last?: ArchivedMessage }>;
  /** Deletes up to `limit` messages of accounts on `domain` archived before `before` (ms); returns how many. */
  expireArchive(domain: string, before: number, limit: number): Promise<number>;
  archivePrefs(account: string): Promise<ArchivePrefs | undefined>;
  setArchivePrefs(account: string, prefs: ArchivePrefs): Promise<void>;
}

/** The tables an account's deletion (XEP-0077) empties for it. */
export const MAM_TABLES = ["mam_archive", "mam_prefs"] as const;

// Ids: 9 base-36 digits of milliseconds (until the year 5138), 4 of a counter, 8 random ones. Fixed
// width and base 36 ("0-9a-z") make byte order time order in both back-ends.
const TIME_WIDTH = 9;
let counter = 0;

const TIME_MAX = 36 ** TIME_WIDTH - 1;

/** Clamped: a query's far past or far future (XEP-0082 allows years 0000–9999) stays in range. */
function timePart(ms: number): string {
  return Math.min(TIME_MAX, Math.max(0, Math.floor(ms)))
    .toString(36)
    .padStart(TIME_WIDTH, "0");
}

export function newArchiveId(at: number): string {
  counter = (counter + 1) % 36 ** 4;
  const random = BigInt(`0x${randomBytes(6).toString("hex")}`) % 36n ** 8n;
  return timePart(at) + counter.toString(36).padStart(4, "0") + random.toString(36).padStart(8, "0");
}

/** When an id of ours was made (ms since the epoch); undefined for anything else. */
export function archiveIdTime(id: string): number | undefined {
  return isArchiveId(id) ? parseInt(id.slice(0, TIME_WIDTH), 36) : undefined;
}

/** True for a string shaped like one of our ids (anything else cannot be in the archive). */
export function isArchiveId(s: string): boolean {
  return /^[0-9a-z]{21}$/.test(s);
}

/**
 * The id range [lo, hi) the query's time and id bounds make: every id at or after `start` is >= the
 * time prefix of `start`; every id after `end` is >= the prefix of end + 1 ms.
 */
export function idRange(q: ArchiveQuery): { lo: string; hi: string; loInclusive: boolean } {
  let lo = q.start === undefined ? "" : timePart(q.start);
  let loInclusive = true;
  for (const a of q.after ?? [])
    if (a >= lo) {
      lo = a;
      loInclusive = false;
    }
  let hi = q.end === undefined ? "~" : timePart(q.end + 1);
  for (const b of q.before ?? []) if (b < hi) hi = b;
  return { lo, hi, loInclusive };
}

export const SQLITE_MAM_MIGRATION = `
  CREATE TABLE mam_archive (
    account TEXT NOT NULL,
    id TEXT NOT NULL,
    at INTEGER NOT NULL,
    with_bare TEXT NOT NULL,
    with_full TEXT NOT NULL,
    stanza TEXT NOT NULL,
    PRIMARY KEY (account, id)
  );
  CREATE INDEX mam_archive_with ON mam_archive (account, with_bare, id);
  CREATE INDEX mam_archive_id ON mam_archive (id);
  CREATE TABLE mam_prefs (
    account TEXT PRIMARY KEY,
    policy TEXT NOT NULL,
    always TEXT NOT NULL,
    never TEXT NOT NULL
  );`;

export const POSTGRES_MAM_MIGRATION = `
  CREATE TABLE mam_archive (
    account TEXT NOT NULL,
    id TEXT COLLATE "C" NOT NULL,
    at BIGINT NOT NULL,
    with_bare TEXT NOT NULL,
    with_full TEXT NOT NULL,
    stanza TEXT NOT NULL,
    PRIMARY KEY (account, id)
  );
  CREATE INDEX mam_archive_with ON mam_archive (account, with_bare, id);
  CREATE INDEX mam_archive_id ON mam_archive (id);
  CREATE TABLE mam_prefs (
    account TEXT PRIMARY KEY,
    policy TEXT NOT NULL,
    always JSONB NOT NULL,
    never JSONB NOT NULL
  );`;
