// One behaviour suite for the chat store, run against SQLite (a temp file) and a real PostgreSQL
// (a schema of its own, dropped after): both backends must answer the same way.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteChatStore } from "../../src/storage/sqlite.ts";
import { openPostgresChatStore } from "../../src/storage/postgres.ts";
import type { ChatStore, RosterItem } from "../../src/storage/store.ts";
import { PG_URL, dropSchema, pgSkip, uniqueSchema } from "../helpers/postgres.ts";

const item = (jid: string, extra: Partial<RosterItem> = {}): RosterItem => ({
  jid,
  subscription: "none",
  ask: false,
  groups: [],
  ...extra,
});

function behaviour(open: () => Promise<ChatStore>, reopen: () => Promise<ChatStore>): void {
  let store: ChatStore;
  before(async () => {
    store = await open();
  });
  after(async () => {
    await store.close();
  });

  test("an empty roster has version 0; updates bump the version only when something changes", async () => {
    assert.deepEqual(await store.roster("a@x"), { version: 0, items: [] });
    const c1 = await store.updateRosterItem("a@x", "b@x", () =>
      item("b@x", { name: "B", groups: ["g1", "g2"] }),
    );
    assert.equal(c1.changed, true);
    assert.equal(c1.version, 1);
    assert.equal(c1.before, undefined);
    const same = await store.updateRosterItem("a@x", "b@x", (cur) => cur && { ...cur });
    assert.equal(same.changed, false);
    assert.equal(same.version, 1);
    const none = await store.updateRosterItem("a@x", "b@x", () => undefined);
    assert.equal(none.changed, false);
    const c2 = await store.updateRosterItem(
      "a@x",
      "b@x",
      (cur) => cur && { ...cur, subscription: "to", ask: true },
    );
    assert.equal(c2.version, 2);
    assert.deepEqual(c2.before, item("b@x", { name: "B", groups: ["g1", "g2"] }));
    assert.deepEqual(
      await store.rosterItem("a@x", "b@x"),
      item("b@x", { name: "B", subscription: "to", ask: true, groups: ["g1", "g2"] }),
    );
    assert.equal(await store.rosterVersion("a@x"), 2);
    // Other accounts are separate.
    assert.deepEqual(await store.roster("b@x"), { version: 0, items: [] });
  });

  test("items are listed in byte order with names, groups and unicode intact; removal bumps the version", async () => {
    await store.updateRosterItem("r@x", "z@x", () => item("z@x"));
    await store.updateRosterItem("r@x", "Ä@x", () => item("Ä@x", { name: "Ünï ✓", groups: ["Freunde"] }));
    await store.updateRosterItem("r@x", "m@x", () => item("m@x", { subscription: "both" }));
    const { version, items } = await store.roster("r@x");
    assert.equal(version, 3);
    assert.deepEqual(
      items.map((i) => i.jid),
      ["m@x", "z@x", "Ä@x"],
    );
    assert.deepEqual(items[2], item("Ä@x", { name: "Ünï ✓", groups: ["Freunde"] }));
    const gone = await store.updateRosterItem("r@x", "z@x", () => null);
    assert.equal(gone.changed, true);
    assert.equal(gone.after, undefined);
    assert.equal(gone.version, 4);
    const again = await store.updateRosterItem("r@x", "z@x", () => null);
    assert.equal(again.changed, false);
    assert.equal(await store.rosterItem("r@x", "z@x"), undefined);
  });

  test("concurrent updates of one roster are serialised: no lost update, versions distinct", async () => {
    const n = 20;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        store.updateRosterItem("c@x", "counter@x", (cur) =>
          item("counter@x", { groups: [...(cur?.groups ?? []), `g${i}`] }),
        ),
      ),
    );
    assert.equal((await store.rosterItem("c@x", "counter@x"))?.groups.length, n);
    assert.deepEqual(new Set(results.map((r) => r.version)).size, n);
  });

  test("pending subscription requests: add (replacing), list, check, remove", async () => {
    await store.addPending("p@x", "b@x", "<presence type='subscribe'/>");
    await store.addPending("p@x", "a@x", "<presence type='subscribe'><status>1</status></presence>");
    await store.addPending("p@x", "a@x", "<presence type='subscribe'><status>2</status></presence>");
    assert.deepEqual(await store.pending("p@x"), [
      { from: "a@x", stanza: "<presence type='subscribe'><status>2</status></presence>" },
      { from: "b@x", stanza: "<presence type='subscribe'/>" },
    ]);
    assert.equal(await store.hasPending("p@x", "a@x"), true);
    assert.equal(await store.removePending("p@x", "a@x"), true);
    assert.equal(await store.removePending("p@x", "a@x"), false);
    assert.equal(await store.hasPending("p@x", "a@x"), false);
    assert.deepEqual(await store.pending("nobody@x"), []);
  });

  test("offline messages: appended up to the cap, taken once in order", async () => {
    for (const i of [1, 2, 3]) assert.equal(await store.storeOffline("o@x", `<message id='${i}'/>`, 3), true);
    assert.equal(await store.storeOffline("o@x", "<message id='4'/>", 3), false);
    assert.equal(await store.countOffline("o@x"), 3);
    const [first, second] = await Promise.all([store.takeOffline("o@x"), store.takeOffline("o@x")]);
    const got = first.length > 0 ? first : second;
    assert.deepEqual(got, ["<message id='1'/>", "<message id='2'/>", "<message id='3'/>"]);
    assert.equal(first.length + second.length, 3, "each message is taken by one caller only");
    assert.deepEqual(await store.takeOffline("o@x"), []);
    assert.equal(await store.countOffline("o@x"), 0);
  });

  test("concurrent appends never exceed the cap", async () => {
    const ok = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.storeOffline("cap@x", `<m n='${i}'/>`, 4)),
    );
    assert.equal(ok.filter(Boolean).length, 4);
    assert.equal(await store.countOffline("cap@x"), 4);
  });

  test("deleting an account forgets its roster, version, requests and messages, and no one else's", async () => {
    await store.updateRosterItem("gone@x", "friend@x", () => item("friend@x"));
    await store.addPending("gone@x", "fan@x", "<presence type='subscribe'/>");
    assert.equal(await store.storeOffline("gone@x", "<message/>", 10), true);
    await store.updateRosterItem("stays@x", "gone@x", () => item("gone@x"));
    await store.deleteAccount("gone@x");
    assert.deepEqual(await store.roster("gone@x"), { version: 0, items: [] });
    assert.deepEqual(await store.pending("gone@x"), []);
    assert.equal(await store.countOffline("gone@x"), 0);
    // Other accounts' rosters are theirs: a contact that was deleted stays listed there.
    assert.equal((await store.roster("stays@x")).items.length, 1);
  });

  test("data survive a reopen, and opening migrates nothing twice", async () => {
    await store.updateRosterItem("keep@x", "b@x", () => item("b@x", { subscription: "from" }));
    await store.storeOffline("keep@x", "<message/>", 10);
    const second = await reopen();
    try {
      assert.equal((await second.rosterItem("keep@x", "b@x"))?.subscription, "from");
      assert.equal(await second.countOffline("keep@x"), 1);
    } finally {
      await second.close();
    }
  });
}

describe("SQLite chat store", () => {
  const dir = mkdtempSync(join(tmpdir(), "xha-chat-store-"));
  const file = join(dir, "nested", "xmpp.sqlite");
  after(() => rmSync(dir, { recursive: true, force: true }));
  behaviour(
    () => Promise.resolve(openSqliteChatStore(file)),
    () => Promise.resolve(openSqliteChatStore(file)),
  );
});

describe("PostgreSQL chat store", { skip: pgSkip }, () => {
  const schema = uniqueSchema("xha_chat");
  after(() => dropSchema(schema));
  behaviour(
    () => openPostgresChatStore(PG_URL, { schema }),
    () => openPostgresChatStore(PG_URL, { schema }),
  );
});
