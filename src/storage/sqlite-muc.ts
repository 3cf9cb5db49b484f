// MucStore in the SQLite chat store: each write is one short statement or immediate transaction.
import type Database from "better-sqlite3";
import { guardSync as guard } from "../db/sqlite.ts";
import type { MucArchiveRow, MucStore, StoredAffiliation } from "./muc.ts";

interface ArchiveDbRow {
  seq: number;
  stanza_id: string;
  ts: number;
  nick: string;
  sender: string;
  stanza: string;
}

const toRow = (r: ArchiveDbRow): MucArchiveRow => ({
  seq: Number(r.seq),
  stanzaId: r.stanza_id,
  ts: Number(r.ts),
  nick: r.nick,
  sender: r.sender,
  stanza: r.stanza,
});

export function sqliteMuc(db: Database.Database): MucStore {
  const q = {
    rooms: db.prepare("SELECT room, config, subject FROM muc_room WHERE service = ? ORDER BY room"),
    save: db.prepare(
      `INSERT INTO muc_room (room, service, config, subject) VALUES (?, ?, ?, ?)
       ON CONFLICT (room) DO UPDATE SET config = excluded.config, subject = excluded.subject`,
    ),
    deleteRoom: db.prepare("DELETE FROM muc_room WHERE room = ?"),
    deleteAffs: db.prepare("DELETE FROM muc_affiliation WHERE room = ?"),
    deleteArchive: db.prepare("DELETE FROM muc_archive WHERE room = ?"),
    affs: db.prepare("SELECT jid, affiliation, reason FROM muc_affiliation WHERE room = ? ORDER BY jid"),
    setAff: db.prepare(
      `INSERT INTO muc_affiliation (room, jid, affiliation, reason) VALUES (?, ?, ?, ?)
       ON CONFLICT (room, jid) DO UPDATE SET affiliation = excluded.affiliation, reason = excluded.reason`,
    ),
    removeAff: db.prepare("DELETE FROM muc_affiliation WHERE room = ? AND jid = ?"),
    archive: db.prepare(
      "INSERT INTO muc_archive (room, stanza_id, ts, nick, sender, stanza) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    recent: db.prepare("SELECT * FROM muc_archive WHERE room = ? ORDER BY seq DESC LIMIT ?"),
    seqOf: db.prepare("SELECT seq FROM muc_archive WHERE room = ? AND stanza_id = ?").pluck(),
    roomsOf: db.prepare("SELECT room FROM muc_affiliation WHERE jid = ?").pluck(),
    forget: db.prepare("DELETE FROM muc_affiliation WHERE jid = ?"),
  };
  return {
    mucRooms: (service) =>
      guard("muc rooms read", () =>
        (q.rooms.all(service) as { room: string; config: string; subject: string | null }[]).map((r) => ({
          room: r.room,
          config: r.config,
          subject: r.subject ?? undefined,
        })),
      ),
    mucSaveRoom: (service, room, config, subject) =>
      guard("muc room write", () => void q.save.run(room, service, config, subject ?? null)),
    mucDeleteRoom: (room) =>
      guard("muc room delete", () =>
        db
          .transaction(() => {
            q.deleteRoom.run(room);
            q.deleteAffs.run(room);
            q.deleteArchive.run(room);
          })
          .immediate(),
      ),
    mucAffiliations: (room) =>
      guard("muc affiliations read", () =>
        (q.affs.all(room) as { jid: string; affiliation: string; reason: string | null }[]).map((r) => ({
          jid: r.jid,
          affiliation: r.affiliation as StoredAffiliation,
          reason: r.reason ?? undefined,
        })),
      ),
    mucSetAffiliation: (room, jid, affiliation, reason) =>
      guard("muc affiliation write", () => {
        if (affiliation === "none") q.removeAff.run(room, jid);
        else q.setAff.run(room, jid, affiliation, reason ?? null);
      }),
    mucArchive: (room, r) =>
      guard(
        "muc archive write",
        () => void q.archive.run(room, r.stanzaId, r.ts, r.nick, r.sender, r.stanza),
      ),
    mucRecent: (room, max) =>
      guard("muc archive read", () => (q.recent.all(room, max) as ArchiveDbRow[]).map(toRow).reverse()),
    mucQuery: (room, query) =>
      guard("muc archive query", () => {
        const where = ["room = ?"];
        const args: (string | number)[] = [room];
        const add = (clause: string, value: string | number | undefined) => {
          if (value === undefined) return;
          where.push(clause);
          args.push(value);
        };
        add("nick = ?", query.nick);
        add("ts >= ?", query.start);
        add("ts <= ?", query.end);
        for (const [id, op] of [
          [query.afterId, ">"],
          [query.beforeId, "<"],
        ] as const) {
          if (id === undefined) continue;
          const seq = q.seqOf.get(room, id) as number | undefined;
          if (seq === undefined) return undefined;
          add(`seq ${op} ?`, seq);
        }
        const order = query.fromEnd ? "DESC" : "ASC";
        const rows = db
          .prepare(`SELECT * FROM muc_archive WHERE ${where.join(" AND ")} ORDER BY seq ${order} LIMIT ?`)
          .all(...args, query.max + 1) as ArchiveDbRow[];
        const complete = rows.length <= query.max;
        const page = rows.slice(0, query.max).map(toRow);
        return { rows: query.fromEnd ? page.reverse() : page, complete };
      }),
    mucForgetAccount: (jid) =>
      guard("muc account delete", () =>
        db
          .transaction(() => {
            const rooms = q.roomsOf.all(jid) as string[];
            q.forget.run(jid);
            return rooms;
          })
          .immediate(),
      ),
  };
}
