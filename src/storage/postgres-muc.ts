// MucStore in the PostgreSQL chat store (shared by every cluster node).
import type postgres from "postgres";
import { guard } from "../db/postgres.ts";
import type { MucArchiveRow, MucStore, StoredAffiliation } from "./muc.ts";

interface ArchiveDbRow {
  seq: string;
  stanza_id: string;
  ts: string;
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

export function postgresMuc(sql: postgres.Sql): MucStore {
  return {
    mucRooms: (service) =>
      guard("muc rooms read", async () => {
        const rows = await sql<{ room: string; config: string; subject: string | null }[]>`
          SELECT room, config, subject FROM muc_room WHERE service = ${service} ORDER BY room COLLATE "C"`;
        return rows.map((r) => ({ room: r.room, config: r.config, subject: r.subject ?? undefined }));
      }),
    mucSaveRoom: (service, room, config, subject) =>
      guard("muc room write", async () => {
        await sql`
          INSERT INTO muc_room (room, service, config, subject)
          VALUES (${room}, ${service}, ${config}, ${subject ?? null})
          ON CONFLICT (room) DO UPDATE SET config = excluded.config, subject = excluded.subject`;
      }),
    mucDeleteRoom: (room) =>
      guard("muc room delete", () =>
        sql.begin(async (tx) => {
          await tx`DELETE FROM muc_room WHERE room = ${room}`;
          await tx`DELETE FROM muc_affiliation WHERE room = ${room}`;
          await tx`DELETE FROM muc_archive WHERE room = ${room}`;
        }),
      ).then(() => undefined),
    mucAffiliations: (room) =>
      guard("muc affiliations read", async () => {
        const rows = await sql<{ jid: string; affiliation: string; reason: string | null }[]>`
          SELECT jid, affiliation, reason FROM muc_affiliation WHERE room = ${room} ORDER BY jid COLLATE "C"`;
        return rows.map((r) => ({
          jid: r.jid,
          affiliation: r.affiliation as StoredAffiliation,
          reason: r.reason ?? undefined,
        }));
      }),
    mucSetAffiliation: (room, jid, affiliation, reason) =>
      guard("muc affiliation write", async () => {
        if (affiliation === "none")
          await sql`DELETE FROM muc_affiliation WHERE room = ${room} AND jid = ${jid}`;
        else
          await sql`
            INSERT INTO muc_affiliation (room, jid, affiliation, reason)
            VALUES (${room}, ${jid}, ${affiliation}, ${reason ?? null})
            ON CONFLICT (room, jid) DO UPDATE SET affiliation = excluded.affiliation, reason = excluded.reason`;
      }),
    mucArchive: (room, r) =>
      guard("muc archive write", async () => {
        await sql`
          INSERT INTO muc_archive (room, stanza_id, ts, nick, sender, stanza)
          VALUES (${room}, ${r.stanzaId}, ${r.ts}, ${r.nick}, ${r.sender}, ${r.stanza})`;
      }),
    mucRecent: (room, max) =>
      guard("muc archive read", async () => {
        const rows = await sql<ArchiveDbRow[]>`
          SELECT * FROM muc_archive WHERE room = ${room} ORDER BY seq DESC LIMIT ${max}`;
        return rows.map(toRow).reverse();
      }),
    mucQuery: (room, query) =>
      guard("muc archive query", async () => {
        const seqOf = async (id: string | undefined) => {
          if (id === undefined) return null;
          const [row] = await sql<{ seq: string }[]>`
            SELECT seq FROM muc_archive WHERE room = ${room} AND stanza_id = ${id}`;
          return row === undefined ? undefined : Number(row.seq);
        };
        const after = await seqOf(query.afterId);
        const before = await seqOf(query.beforeId);
        if (after === undefined || before === undefined) return undefined;
        const rows = await sql<ArchiveDbRow[]>`
          SELECT * FROM muc_archive WHERE room = ${room}
            ${query.nick === undefined ? sql`` : sql`AND nick = ${query.nick}`}
            ${query.start === undefined ? sql`` : sql`AND ts >= ${query.start}`}
            ${query.end === undefined ? sql`` : sql`AND ts <= ${query.end}`}
            ${after === null ? sql`` : sql`AND seq > ${after}`}
            ${before === null ? sql`` : sql`AND seq < ${before}`}
          ORDER BY seq ${query.fromEnd ? sql`DESC` : sql`ASC`} LIMIT ${query.max + 1}`;
        const complete = rows.length <= query.max;
        const page = rows.slice(0, query.max).map(toRow);
        return { rows: query.fromEnd ? page.reverse() : page, complete };
      }),
    mucForgetAccount: (jid) =>
      guard("muc account delete", async () => {
        const rows = await sql<{ room: string }[]>`
          DELETE FROM muc_affiliation WHERE jid = ${jid} RETURNING room`;
        return rows.map((r) => r.room);
      }),
  };
}
