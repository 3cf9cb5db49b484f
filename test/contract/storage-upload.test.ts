// The upload slots of the chat store (XEP-0363, http_file_share), one behaviour suite run against
// SQLite (a temp file) and a real PostgreSQL (a schema of its own): quota window, single claim,
// release, expiry listing, deletion, and expiry of a removed account's uploads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { onBothStores, suiteStore, type OpenStore } from "../helpers/chat-stores.ts";
import type { UploadSlot } from "../../src/storage/upload.ts";

let n = 0;
const slot = (owner: string, size: number, created: number, over: Partial<UploadSlot> = {}): UploadSlot => ({
  id: `slot${String(++n).padStart(18, "0")}`,
  service: "upload.x",
  owner,
  filename: "f.txt",
  size,
  contentType: "text/plain",
  putHash: "ab".repeat(32),
  created,
  expires: created + 1000,
  uploaded: undefined,
  ...over,
});
const quota = (since: number, bytes = 100, slots = 10) => ({ since, bytes, slots });

function behaviour(open: OpenStore): void {
  const store = suiteStore(open);

  test("a slot is kept as given and read back by id", async () => {
    const s = slot("a@x", 5, 1_000_000_000_000, { filename: "é 1.txt" });
    assert.deepEqual(await store.createUploadSlot(s, quota(0)), { ok: true });
    assert.deepEqual(await store.uploadSlot(s.id), s);
    assert.equal(await store.uploadSlot("nope"), undefined);
  });

  test("the quota counts bytes and slots per owner and service within the window", async () => {
    const t = 2_000_000;
    assert.equal((await store.createUploadSlot(slot("q@x", 60, t), quota(t - 10))).ok, true);
    assert.equal((await store.createUploadSlot(slot("q@x", 40, t + 1), quota(t - 10))).ok, true);
    const refused = await store.createUploadSlot(slot("q@x", 1, t + 2), quota(t - 10));
    assert.deepEqual(refused, { ok: false, oldest: t });
    // Other owners and other services have their own; slots before the window do not count.
    assert.equal((await store.createUploadSlot(slot("r@x", 100, t + 2), quota(t - 10))).ok, true);
    assert.equal(
      (await store.createUploadSlot(slot("q@x", 100, t + 2, { service: "up2.x" }), quota(t - 10))).ok,
      true,
    );
    assert.equal((await store.createUploadSlot(slot("q@x", 100, t + 3), quota(t))).ok, false);
    assert.equal((await store.createUploadSlot(slot("q@x", 60, t + 3), quota(t))).ok, true);
    // The slot count limit.
    assert.equal((await store.createUploadSlot(slot("c@x", 1, t), quota(0, 100, 1))).ok, true);
    assert.equal((await store.createUploadSlot(slot("c@x", 1, t), quota(0, 100, 1))).ok, false);
  });

  test("concurrent requests cannot both slip under the quota", async () => {
    const t = 3_000_000;
    const verdicts = await Promise.all(
      Array.from({ length: 8 }, () => store.createUploadSlot(slot("race@x", 30, t), quota(t - 1))),
    );
    assert.equal(verdicts.filter((v) => v.ok).length, 3);
  });

  test("a slot is claimed once, until released; not after it expired", async () => {
    const s = slot("c@x", 1, 4_000_000);
    await store.createUploadSlot(s, quota(0, 1e9, 1e9));
    assert.equal(await store.claimUploadSlot(s.id, s.created + 1), true);
    assert.equal(await store.claimUploadSlot(s.id, s.created + 2), false);
    assert.equal((await store.uploadSlot(s.id))?.uploaded, s.created + 1);
    await store.releaseUploadSlot(s.id);
    assert.equal((await store.uploadSlot(s.id))?.uploaded, undefined);
    assert.equal(await store.claimUploadSlot(s.id, s.expires), false);
    assert.equal(await store.claimUploadSlot("nope", s.created), false);
  });

  test("expired slots are listed per service, oldest first, and deleted", async () => {
    const a = slot("e@x", 1, 5_000_000, { service: "exp.x", expires: 5_000_010 });
    const b = slot("e@x", 1, 5_000_000, { service: "exp.x", expires: 5_000_005 });
    const c = slot("e@x", 1, 5_000_000, { service: "exp.x", expires: 5_000_100 });
    const other = slot("e@x", 1, 5_000_000, { service: "other.x", expires: 5_000_001 });
    for (const s of [a, b, c, other]) await store.createUploadSlot(s, quota(0, 1e9, 1e9));
    assert.deepEqual(await store.expiredUploadSlots("exp.x", 5_000_050, 10), [b.id, a.id]);
    assert.deepEqual(await store.expiredUploadSlots("exp.x", 5_000_050, 1), [b.id]);
    await store.deleteUploadSlots([a.id, b.id]);
    await store.deleteUploadSlots([]);
    assert.deepEqual(await store.expiredUploadSlots("exp.x", 5_000_050, 10), []);
    assert.equal(await store.uploadSlot(a.id), undefined);
    assert.ok(await store.uploadSlot(c.id));
  });

  test("removing an account expires its uploads, and only its own", async () => {
    const mine = slot("gone@x", 1, 6_000_000, { service: "acc.x", expires: 9e12 });
    const theirs = slot("stay@x", 1, 6_000_000, { service: "acc.x", expires: 9e12 });
    for (const s of [mine, theirs]) await store.createUploadSlot(s, quota(0, 1e9, 1e9));
    await store.deleteAccount("gone@x");
    assert.deepEqual(await store.expiredUploadSlots("acc.x", 6_000_001, 10), [mine.id]);
  });
}

onBothStores("upload slots", behaviour);
