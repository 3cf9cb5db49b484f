// The message archive of the chat store (XEP-0313): one behaviour suite run against SQLite (a temp
// file) and a real PostgreSQL (a schema of its own): paging both ways, filters, ids, unknown ids,
// counts, expiry, preferences and removal with the account.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteChatStore } from "../../src/storage/sqlite.ts";
import { openPostgresChatStore } from "../../src/storage/postgres.ts";
import type { ChatStore } from "../../src/storage/store.ts";
import { newArchiveId, type ArchiveQuery } from "../../src/storage/mam.ts";
import { PG_URL, dropSchema, pgSkip, uniqueSchema } from "../helpers/postgres.ts";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const q = (over: Partial<ArchiveQuery> = {}): ArchiveQuery => ({
  max: 10,
  backwards: false,
  count: true,
  ...over,
});

function behaviour(open: () => Promise<ChatStore>): void {
  let store: ChatStore;
  /** Ids of a@x's 25 messages, oldest first: every 5th with c@y/phone, the others with b@y/r. */
  const ids: string[] = [];
  before(async () => {
    store = await open();
    const rows = [];
    for (let i = 0; i < 25; i++) {
      const at = T0 + i * 60_000;
      const id = newArchiveId(at);
      ids.push(id);
      const withFull = i % 5 === 0 ? "c@y/phone" : "b@y/r";
      rows.push({
        account: "a@x",
        id,
        at,
        with: withFull.split("/")[0] ?? "",
        withFull,
        stanza: `<message type='chat'><body>${i}</body></message>`,
      });
    }
    await store.archive(rows);
    await store.archive([
      {
        account: "other@x",
        id: newArchiveId(T0),
        at: T0,
        with: "b@y",
        withFull: "b@y",
        stanza: "<message/>",
      },
    ]);
  });
  after(async () => {
    await store.close();
  });

  const bodies = (p: { items: readonly { stanza: string }[] } | undefined) =>
    p?.items.map((m) => Number(/<body>(\d+)</.exec(m.stanza)?.[1]));

  test("ids are ordered by time and unique", () => {
    const many = Array.from({ length: 1000 }, () => newArchiveId(T0));
    assert.equal(new Set(many).size, 1000);
    assert.ok(newArchiveId(T0 + 1) > newArchiveId(T0));
    assert.deepEqual([...ids].sort(), ids);
  });

  test("forward paging from the start, then after the last id, to the end", async () => {
    const p1 = await store.queryArchive("a@x", q());
    assert.deepEqual(bodies(p1), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(p1?.complete, false);
    assert.equal(p1?.count, 25);
    const p2 = await store.queryArchive("a@x", q({ after: [p1.items.at(-1)!.id] }));
    assert.deepEqual(bodies(p2), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    const p3 = await store.queryArchive("a@x", q({ after: [p2!.items.at(-1)!.id] }));
    assert.deepEqual(bodies(p3), [20, 21, 22, 23, 24]);
    assert.equal(p3?.complete, true);
    assert.equal(p3?.count, 25);
    assert.equal(p3?.items[0]?.at, T0 + 20 * 60_000);
    assert.equal(p3?.items[0]?.with, "c@y");
  });

  test("backward paging: the last page first, then before its first id, to the beginning", async () => {
    const p1 = await store.queryArchive("a@x", q({ backwards: true }));
    assert.deepEqual(bodies(p1), [15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
    assert.equal(p1?.complete, false);
    const p2 = await store.queryArchive("a@x", q({ backwards: true, before: [p1.items[0]!.id] }));
    assert.deepEqual(bodies(p2), [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    const p3 = await store.queryArchive("a@x", q({ backwards: true, before: [p2!.items[0]!.id] }));
    assert.deepEqual(bodies(p3), [0, 1, 2, 3, 4]);
    assert.equal(p3?.complete, true);
  });

  test("between two ids (after-id and before-id)", async () => {
    const p = await store.queryArchive("a@x", q({ after: [ids[3]!], before: [ids[7]!] }));
    assert.deepEqual(bodies(p), [4, 5, 6]);
    assert.equal(p?.complete, true);
  });

  test("with: a bare JID matches every resource, a full JID only itself", async () => {
    const bare = await store.queryArchive("a@x", q({ with: "c@y" }));
    assert.deepEqual(bodies(bare), [0, 5, 10, 15, 20]);
    assert.equal(bare?.count, 5);
    assert.deepEqual(
      bodies(await store.queryArchive("a@x", q({ with: "c@y/phone", withFull: true }))),
      [0, 5, 10, 15, 20],
    );
    assert.deepEqual(bodies(await store.queryArchive("a@x", q({ with: "c@y/laptop", withFull: true }))), []);
    const last2 = await store.queryArchive("a@x", q({ with: "c@y", max: 2, backwards: true }));
    assert.deepEqual(bodies(last2), [15, 20]);
    assert.equal(last2?.count, 5);
  });

  test("start and end are inclusive times", async () => {
    const p = await store.queryArchive("a@x", q({ start: T0 + 3 * 60_000, end: T0 + 6 * 60_000 }));
    assert.deepEqual(bodies(p), [3, 4, 5, 6]);
    assert.equal(p?.count, 4);
    assert.equal(p?.complete, true);
  });

  test("ids returns exactly those messages, in archive order; any unknown one is not found", async () => {
    const p = await store.queryArchive("a@x", q({ ids: [ids[9]!, ids[2]!, ids[9]!] }));
    assert.deepEqual(bodies(p), [2, 9]);
    assert.equal(await store.queryArchive("a@x", q({ ids: [ids[9]!, "zzzzzzzzzzzzzzzzzzzzz"] })), undefined);
    assert.equal(await store.queryArchive("other@x", q({ ids: [ids[9]!] })), undefined);
  });

  test("an unknown or another account's id is not found", async () => {
    assert.equal(await store.queryArchive("a@x", q({ after: ["nope"] })), undefined);
    assert.equal(await store.queryArchive("other@x", q({ before: [ids[1]!] })), undefined);
    assert.equal(await store.queryArchive("a@x", q({ after: [ids[1]!], before: ["nope"] })), undefined);
  });

  test("accounts do not see each other's messages; bounds give the first and the last", async () => {
    assert.deepEqual(bodies(await store.queryArchive("nobody@x", q())), []);
    const b = await store.archiveBounds("a@x");
    assert.equal(b.first?.id, ids[0]);
    assert.equal(b.last?.id, ids[24]);
    assert.deepEqual(await store.archiveBounds("nobody@x"), {});
  });

  test("preferences are kept per account and replaced", async () => {
    assert.equal(await store.archivePrefs("p@x"), undefined);
    await store.setArchivePrefs("p@x", { default: "roster", always: ["b@y"], never: ["c@y", "d@y"] });
    assert.deepEqual(await store.archivePrefs("p@x"), {
      default: "roster",
      always: ["b@y"],
      never: ["c@y", "d@y"],
    });
    await store.setArchivePrefs("p@x", { default: "never", always: [], never: [] });
    assert.deepEqual(await store.archivePrefs("p@x"), { default: "never", always: [], never: [] });
  });

  test("expiry deletes the oldest messages of the host's accounts only, in batches", async () => {
    const rows = [0, 1, 2, 3].map((i) => ({
      account: i < 3 ? "e@exp.test" : "e@other.test",
      id: newArchiveId(T0 + i),
      at: T0 + i,
      with: "b@y",
      withFull: "b@y",
      stanza: "<message/>",
    }));
    rows.push({ ...rows[0]!, id: newArchiveId(T0 + 3_600_000), at: T0 + 3_600_000 });
    await store.archive(rows);
    assert.equal(await store.expireArchive("exp.test", T0 + 60_000, 2), 2);
    assert.equal(await store.expireArchive("exp.test", T0 + 60_000, 2), 1);
    assert.equal(await store.expireArchive("exp.test", T0 + 60_000, 2), 0);
    assert.equal((await store.queryArchive("e@exp.test", q()))?.items.length, 1);
    assert.equal((await store.queryArchive("e@other.test", q()))?.items.length, 1);
  });

  test("deleting the account removes its archive and preferences", async () => {
    await store.archive([
      { account: "gone@x", id: newArchiveId(T0), at: T0, with: "b@y", withFull: "b@y", stanza: "<message/>" },
    ]);
    await store.setArchivePrefs("gone@x", { default: "always", always: [], never: [] });
    await store.deleteAccount("gone@x");
    assert.deepEqual((await store.queryArchive("gone@x", q()))?.items, []);
    assert.equal(await store.archivePrefs("gone@x"), undefined);
  });
}

describe("SQLite archive", () => {
  const dir = mkdtempSync(join(tmpdir(), "xha-mam-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  behaviour(() => Promise.resolve(openSqliteChatStore(join(dir, "xmpp.sqlite"))));
});

describe("PostgreSQL archive", { skip: pgSkip }, () => {
  const schema = uniqueSchema("xha_mam");
  after(() => dropSchema(schema));
  behaviour(() => openPostgresChatStore(PG_URL, { schema }));
});
