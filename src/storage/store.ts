// The chat store: rosters (RFC 6121 §2), their version counters (XEP-0237), pending inbound
// subscription requests (RFC 6121 §3.1.3) and offline messages (XEP-0160), per account. Accounts are
// bare JID strings. Every read-modify-write happens inside the store, under a lock the database
// holds, so several server processes can share one PostgreSQL without in-process state. Private
// XML, vCards and blocklists are in ./account-data.ts.
import type { AccountDataStore } from "./account-data.ts";
import type { FastTokenStore } from "./fast-tokens.ts";
import type { UploadStore } from "./upload.ts";
import type { PepStore } from "./pep.ts";
import type { MamStore } from "./mam.ts";
import type { MucStore } from "./muc.ts";
import type { PushStore } from "./push.ts";

/** RFC 6121 §2.1.2.5. */
export type Subscription = "none" | "to" | "from" | "both";

export interface RosterItem {
  /** The contact's JID, prepared (RFC 7622). */
  readonly jid: string;
  readonly name?: string | undefined;
  readonly subscription: Subscription;
  /** RFC 6121 §2.1.2.2: a subscription request sent by the account is pending. */
  readonly ask: boolean;
  readonly groups: readonly string[];
}

/**
 * The change an update makes to one roster item, given the stored one: a new item, `null` to
 * remove it, or `undefined` to leave everything as it is (the version does not move then).
 */
export type RosterUpdate = (current: RosterItem | undefined) => RosterItem | null | undefined;

export interface RosterChange {
  readonly before: RosterItem | undefined;
  readonly after: RosterItem | undefined;
  /** The roster version after the update. */
  readonly version: number;
  readonly changed: boolean;
}

export interface PendingSubscription {
  /** The bare JID that asked. */
  readonly from: string;
  /** The serialized <presence type="subscribe"/> as received (it may carry a status or a nick). */
  readonly stanza: string;
}

export interface ChatStore extends AccountDataStore, UploadStore, PepStore, MamStore, MucStore, PushStore {
  /** "sqlite" or "postgresql", for logs. */
  readonly kind: string;
  roster(account: string): Promise<{ version: number; items: RosterItem[] }>;
  rosterItem(account: string, jid: string): Promise<RosterItem | undefined>;
  rosterVersion(account: string): Promise<number>;
  /** Applies `update` to the item atomically; the version grows by one when something changed. */
  updateRosterItem(account: string, jid: string, update: RosterUpdate): Promise<RosterChange>;

  /** Records (or replaces) a subscription request from `from` to `account`. */
  addPending(account: string, from: string, stanza: string): Promise<void>;
  /** Forgets a request; false when there was none. */
  removePending(account: string, from: string): Promise<boolean>;
  hasPending(account: string, from: string): Promise<boolean>;
  pending(account: string): Promise<PendingSubscription[]>;

  /** Appends a message unless the account already holds `max`; false when full. */
  storeOffline(account: string, stanza: string, max: number): Promise<boolean>;
  /** Removes and returns every stored message, oldest first; each is returned to one caller only. */
  takeOffline(account: string): Promise<string[]>;
  countOffline(account: string): Promise<number>;

  /**
   * Forgets everything kept for the account (XEP-0077 removal): roster, version, requests, messages,
   * private XML, vCard, blocklist, PEP nodes, message archive and archive preferences, and its MUC
   * affiliations and push registrations; its uploads (./upload.ts) are expired for their sweeper.
   */
  deleteAccount(account: string): Promise<void>;

  close(): Promise<void>;

  /** XEP-0484 FAST tokens (./fast-tokens.ts); deleteAccount forgets them too. */
  readonly fastTokens: FastTokenStore;
}

export function sameItem(a: RosterItem | undefined, b: RosterItem | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.jid === b.jid &&
    (a.name ?? "") === (b.name ?? "") &&
    a.subscription === b.subscription &&
    a.ask === b.ask &&
    a.groups.length === b.groups.length &&
    a.groups.every((g, i) => g === b.groups[i])
  );
}
