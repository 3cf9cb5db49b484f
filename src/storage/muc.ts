// What the chat store keeps for Multi-User Chat (XEP-0045) components: persistent rooms (their
// configuration and subject, as JSON the server wrote), affiliations by bare JID, and the room archive
// (XEP-0313 on the room JID), each message with its XEP-0359 stanza-id. Occupants are never stored.

export type StoredAffiliation = "owner" | "admin" | "member" | "outcast";

export interface MucRoomRow {
  /** The room's bare JID. */
  readonly room: string;
  readonly config: string;
  readonly subject: string | undefined;
}

export interface MucAffiliationRow {
  readonly jid: string;
  readonly affiliation: StoredAffiliation;
  readonly reason: string | undefined;
}

export interface MucArchiveRow {
  /** Store order (increasing). */
  readonly seq: number;
  readonly stanzaId: string;
  /** Milliseconds since the epoch. */
  readonly ts: number;
  /** The occupant's nick at the time. */
  readonly nick: string;
  /** The sender's real bare JID (kept for moderators and account removal). */
  readonly sender: string;
  /** The <message/> as broadcast (from the occupant JID, without `to`). */
  readonly stanza: string;
}

export interface MucArchiveQuery {
  readonly nick?: string | undefined;
  readonly start?: number | undefined;
  readonly end?: number | undefined;
  /** Exclusive bounds by stanza-id (RSM after/before, XEP-0313 after-id/before-id). */
  readonly afterId?: string | undefined;
  readonly beforeId?: string | undefined;
  readonly max: number;
  /** Take the newest `max` matching rows (RSM <before/>), still returned oldest first. */
  readonly fromEnd: boolean;
}

export interface MucArchivePage {
  readonly rows: MucArchiveRow[];
  /** No matching row beyond this page (in the paging direction). */
  readonly complete: boolean;
}

export interface MucStore {
  /** Persistent rooms of one service (component domain). */
  mucRooms(service: string): Promise<MucRoomRow[]>;
  /** Creates or replaces a persistent room's row. */
  mucSaveRoom(service: string, room: string, config: string, subject: string | undefined): Promise<void>;
  /** Forgets a room: its row, affiliations and archive. */
  mucDeleteRoom(room: string): Promise<void>;
  mucAffiliations(room: string): Promise<MucAffiliationRow[]>;
  /** Sets (or with "none" removes) one JID's affiliation. */
  mucSetAffiliation(
    room: string,
    jid: string,
    affiliation: StoredAffiliation | "none",
    reason: string | undefined,
  ): Promise<void>;
  mucArchive(room: string, row: Omit<MucArchiveRow, "seq">): Promise<void>;
  /** The newest `max` archived messages of a room, oldest first (history on join after a restart). */
  mucRecent(room: string, max: number): Promise<MucArchiveRow[]>;
  /** undefined: an after/before stanza-id is not in this room's archive (XEP-0313 item-not-found). */
  mucQuery(room: string, query: MucArchiveQuery): Promise<MucArchivePage | undefined>;
  /** XEP-0077 removal: the account's affiliations in every room; returns the rooms touched. */
  mucForgetAccount(jid: string): Promise<string[]>;
}

/** The tables, the same DDL for SQLite and PostgreSQL except the archive's key. */
export function mucMigration(serial: "INTEGER PRIMARY KEY AUTOINCREMENT" | "BIGSERIAL PRIMARY KEY"): string {
  return `
  CREATE TABLE muc_room (
    room TEXT PRIMARY KEY,
    service TEXT NOT NULL,
    config TEXT NOT NULL,
    subject TEXT
  );
  CREATE INDEX muc_room_service ON muc_room (service);
  CREATE TABLE muc_affiliation (
    room TEXT NOT NULL,
    jid TEXT NOT NULL,
    affiliation TEXT NOT NULL,
    reason TEXT,
    PRIMARY KEY (room, jid)
  );
  CREATE INDEX muc_affiliation_jid ON muc_affiliation (jid);
  CREATE TABLE muc_archive (
    seq ${serial},
    room TEXT NOT NULL,
    stanza_id TEXT NOT NULL,
    ts BIGINT NOT NULL,
    nick TEXT NOT NULL,
    sender TEXT NOT NULL,
    stanza TEXT NOT NULL
  );
  CREATE INDEX muc_archive_room ON muc_archive (room, seq);
  CREATE UNIQUE INDEX muc_archive_id ON muc_archive (room, stanza_id);`;
}
