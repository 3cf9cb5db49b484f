// XEP-0357 push registrations in the chat store, one behaviour suite run against SQLite (a temp file)
// and a real PostgreSQL (a schema of its own).
import { test } from "node:test";
import assert from "node:assert/strict";
import { onBothStores, suiteStore, type OpenStore } from "../helpers/chat-stores.ts";

const reg = (jid: string, node: string, options = "") => ({ jid, node, options });

function behaviour(open: OpenStore): void {
  const store = suiteStore(open);

  test("registrations are kept per account, oldest first; enabling one again makes it the newest", async () => {
    assert.deepEqual(await store.pushRegistrations("a@x"), []);
    await store.addPushRegistration("a@x", reg("push.y", "n1"), 5);
    await store.addPushRegistration("a@x", reg("push.y", "n2", "<x xmlns='jabber:x:data'/>"), 5);
    await store.addPushRegistration("a@x", reg("push.y", "n1", "<x/>"), 5);
    assert.deepEqual(await store.pushRegistrations("a@x"), [
      reg("push.y", "n2", "<x xmlns='jabber:x:data'/>"),
      reg("push.y", "n1", "<x/>"),
    ]);
    assert.deepEqual(await store.pushRegistrations("b@x"), []);
  });

  test("past the maximum the oldest registrations go", async () => {
    for (const n of ["1", "2", "3", "4"]) await store.addPushRegistration("m@x", reg("p.y", n), 3);
    assert.deepEqual(
      (await store.pushRegistrations("m@x")).map((r) => r.node),
      ["2", "3", "4"],
    );
  });

  test("disable removes one node or every node of a service", async () => {
    for (const n of ["1", "2"]) await store.addPushRegistration("d@x", reg("p.y", n), 5);
    await store.addPushRegistration("d@x", reg("q.y", "1"), 5);
    assert.equal(await store.removePushRegistrations("d@x", "p.y", "1"), 1);
    assert.equal(await store.removePushRegistrations("d@x", "p.y", "9"), 0);
    await store.addPushRegistration("d@x", reg("p.y", "3"), 5);
    assert.equal(await store.removePushRegistrations("d@x", "p.y", undefined), 2);
    assert.deepEqual(await store.pushRegistrations("d@x"), [reg("q.y", "1")]);
  });

  test("deleting the account forgets its registrations", async () => {
    await store.addPushRegistration("gone@x", reg("p.y", "1"), 5);
    await store.addPushRegistration("kept@x", reg("p.y", "1"), 5);
    await store.deleteAccount("gone@x");
    assert.deepEqual(await store.pushRegistrations("gone@x"), []);
    assert.equal((await store.pushRegistrations("kept@x")).length, 1);
  });
}

onBothStores("push registrations", behaviour);
