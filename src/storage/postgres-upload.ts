// UploadStore in the PostgreSQL chat store. Several server processes may hand out slots for one
// owner at once: the quota check and the insert run in one transaction holding an advisory lock on
// the owner, so the window is summed by one of them at a time.
import type postgres from "postgres";
import { guard } from "../db/postgres.ts";
import { toUploadSlot, type UploadRow, type UploadStore } from "./upload.ts";

/** Names this store's per-owner lock (distinct from the chat store's per-account class). */
const UPLOAD_LOCK_CLASS = 0x7570;

export function postgresUpload(sql: postgres.Sql): UploadStore {
  return {
    createUploadSlot: (slot, quota) =>
      guard("upload slot insert", () =>
        sql.begin(async (tx) => {
          await tx`SELECT pg_advisory_xact_lock(${UPLOAD_LOCK_CLASS}, hashtext(${slot.owner}))`;
          const [w] = await tx<{ n: string; bytes: string; oldest: string | null }[]>`
            SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes, min(created) AS oldest
            FROM upload_slots
            WHERE service = ${slot.service} AND owner = ${slot.owner} AND created > ${quota.since}`;
          const n = Number(w?.n ?? 0);
          const bytes = Number(w?.bytes ?? 0);
          if (n + 1 > quota.slots || bytes + slot.size > quota.bytes)
            return { ok: false as const, oldest: w?.oldest == null ? quota.since : Number(w.oldest) };
          await tx`
            INSERT INTO upload_slots
              (id, service, owner, filename, size, content_type, put_hash, created, expires)
            VALUES (${slot.id}, ${slot.service}, ${slot.owner}, ${slot.filename}, ${slot.size},
                    ${slot.contentType}, ${slot.putHash}, ${slot.created}, ${slot.expires})`;
          return { ok: true as const };
        }),
      ),
    uploadSlot: (id) =>
      guard("upload slot read", async () => {
        const [row] = await sql<UploadRow[]>`SELECT * FROM upload_slots WHERE id = ${id}`;
        return row === undefined ? undefined : toUploadSlot(row);
      }),
    claimUploadSlot: (id, at) =>
      guard("upload slot claim", async () => {
        const r = await sql`
          UPDATE upload_slots SET uploaded = ${at}
          WHERE id = ${id} AND uploaded IS NULL AND expires > ${at}`;
        return r.count > 0;
      }),
    releaseUploadSlot: (id) =>
      guard("upload slot release", async () => {
        await sql`UPDATE upload_slots SET uploaded = NULL WHERE id = ${id}`;
      }),
    expiredUploadSlots: (service, now, limit) =>
      guard("upload slot read", async () => {
        const rows = await sql<{ id: string }[]>`
          SELECT id FROM upload_slots WHERE service = ${service} AND expires <= ${now}
          ORDER BY expires LIMIT ${limit}`;
        return rows.map((r) => r.id);
      }),
    deleteUploadSlots: (ids) =>
      guard("upload slot delete", async () => {
        if (ids.length === 0) return;
        await sql`DELETE FROM upload_slots WHERE id = ANY(${sql.array([...ids])}::text[])`;
      }),
  };
}
