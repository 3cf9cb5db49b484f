// UploadStore in the SQLite chat store: a slot is created in one immediate transaction that sums the
// owner's window first, so two requests at once cannot both slip under the quota.
import type Database from "better-sqlite3";
import { guardSync as guard } from "../db/sqlite.ts";
import { toUploadSlot, type UploadRow, type UploadStore } from "./upload.ts";

export function sqliteUpload(db: Database.Database): UploadStore {
  const q = {
    window: db.prepare(
      `SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes, min(created) AS oldest FROM upload_slots
       WHERE service = ? AND owner = ? AND created > ?`,
    ),
    insert: db.prepare(
      `INSERT INTO upload_slots (id, service, owner, filename, size, content_type, put_hash, created, expires)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    get: db.prepare("SELECT * FROM upload_slots WHERE id = ?"),
    claim: db.prepare(
      "UPDATE upload_slots SET uploaded = ? WHERE id = ? AND uploaded IS NULL AND expires > ?",
    ),
    release: db.prepare("UPDATE upload_slots SET uploaded = NULL WHERE id = ?"),
    expired: db
      .prepare("SELECT id FROM upload_slots WHERE service = ? AND expires <= ? ORDER BY expires LIMIT ?")
      .pluck(),
    remove: db.prepare("DELETE FROM upload_slots WHERE id = ?"),
  };
  return {
    createUploadSlot: (slot, quota) =>
      guard("upload slot insert", () =>
        db
          .transaction(() => {
            const w = q.window.get(slot.service, slot.owner, quota.since) as {
              n: number;
              bytes: number;
              oldest: number | null;
            };
            if (w.n + 1 > quota.slots || w.bytes + slot.size > quota.bytes)
              return { ok: false as const, oldest: w.oldest ?? quota.since };
            q.insert.run(
              slot.id,
              slot.service,
              slot.owner,
              slot.filename,
              slot.size,
              slot.contentType,
              slot.putHash,
              slot.created,
              slot.expires,
            );
            return { ok: true as const };
          })
          .immediate(),
      ),
    uploadSlot: (id) =>
      guard("upload slot read", () => {
        const row = q.get.get(id) as UploadRow | undefined;
        return row === undefined ? undefined : toUploadSlot(row);
      }),
    claimUploadSlot: (id, at) => guard("upload slot claim", () => q.claim.run(at, id, at).changes > 0),
    releaseUploadSlot: (id) => guard("upload slot release", () => void q.release.run(id)),
    expiredUploadSlots: (service, now, limit) =>
      guard("upload slot read", () => q.expired.all(service, now, limit) as string[]),
    deleteUploadSlots: (ids) =>
      guard("upload slot delete", () =>
        db.transaction(() => {
          for (const id of ids) q.remove.run(id);
        })(),
      ),
  };
}
