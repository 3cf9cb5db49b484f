// The account data of the chat store (XEP-0049 private XML, XEP-0054 vCards, XEP-0191 blocklists),
// one behaviour suite run against SQLite (a temp file) and a real PostgreSQL (a schema of its own).
import { test } from "node:test";
import assert from "node:assert/strict";
import { onBothStores, suiteStore, type OpenStore } from "../helpers/chat-stores.ts";

function behaviour(open: OpenStore): void {
  const store = suiteStore(open);

  test("private XML is kept per account, element name and namespace, and replaced on write", async () => {
    assert.equal(await store.getPrivate("a@x", "storage", "storage:bookmarks"), undefined);
    await store.setPrivate("a@x", "storage", "storage:bookmarks", "<storage xmlns='storage:bookmarks'/>");
    await store.setPrivate(
      "a@x",
      "storage",
      "storage:bookmarks",
      "<storage xmlns='storage:bookmarks'>é</storage>",
    );
    await store.setPrivate("a@x", "other", "storage:bookmarks", "<other/>");
    assert.equal(
      await store.getPrivate("a@x", "storage", "storage:bookmarks"),
      "<storage xmlns='storage:bookmarks'>é</storage>",
    );
    assert.equal(await store.getPrivate("a@x", "other", "storage:bookmarks"), "<other/>");
    assert.equal(await store.getPrivate("b@x", "storage", "storage:bookmarks"), undefined);
  });

  test("a vCard is kept per account and replaced on write", async () => {
    assert.equal(await store.getVcard("v@x"), undefined);
    await store.setVcard("v@x", "<vCard xmlns='vcard-temp'><FN>1</FN></vCard>");
    await store.setVcard("v@x", "<vCard xmlns='vcard-temp'><FN>2</FN></vCard>");
    assert.equal(await store.getVcard("v@x"), "<vCard xmlns='vcard-temp'><FN>2</FN></vCard>");
    assert.equal(await store.getVcard("w@x"), undefined);
  });

  test("block reports what it added, unblock what it removed; unblock-all empties the list", async () => {
    assert.deepEqual(await store.blocklist("b@x"), []);
    assert.deepEqual(await store.block("b@x", ["z@y", "c@y", "c@y"]), ["c@y", "z@y"]);
    assert.deepEqual(await store.block("b@x", ["c@y", "y", "d@y/r"]), ["d@y/r", "y"]);
    assert.deepEqual(await store.blocklist("b@x"), ["c@y", "d@y/r", "y", "z@y"]);
    assert.equal(await store.blocksAny("b@x", ["q@y/r", "q@y", "y/r", "y"]), true);
    assert.equal(await store.blocksAny("b@x", ["q@z/r", "q@z", "z/r", "z"]), false);
    assert.equal(await store.blocksAny("other@x", ["c@y"]), false);
    await store.block("o1@x", ["q@y"]);
    await store.block("o2@x", ["y"]);
    await store.block("o3@x", ["r@y"]);
    assert.deepEqual(await store.blockersAmong(["o3@x", "o2@x", "o1@x", "o4@x"], ["q@y/r", "q@y", "y"]), [
      "o1@x",
      "o2@x",
    ]);
    assert.deepEqual(await store.blockersAmong([], ["q@y"]), []);
    assert.deepEqual(await store.unblock("b@x", ["c@y", "nobody@y"]), ["c@y"]);
    assert.deepEqual(await store.unblock("b@x", undefined), ["d@y/r", "y", "z@y"]);
    assert.deepEqual(await store.blocklist("b@x"), []);
    assert.deepEqual(await store.unblock("b@x", undefined), []);
  });

  test("deleting an account forgets its private XML, vCard and blocklist, and nobody else's", async () => {
    for (const a of ["gone@x", "kept@x"]) {
      await store.setPrivate(a, "q", "urn:q", "<q xmlns='urn:q'/>");
      await store.setVcard(a, "<vCard xmlns='vcard-temp'/>");
      await store.block(a, ["spam@y"]);
    }
    await store.deleteAccount("gone@x");
    assert.equal(await store.getPrivate("gone@x", "q", "urn:q"), undefined);
    assert.equal(await store.getVcard("gone@x"), undefined);
    assert.deepEqual(await store.blocklist("gone@x"), []);
    assert.equal(await store.getPrivate("kept@x", "q", "urn:q"), "<q xmlns='urn:q'/>");
    assert.equal(await store.getVcard("kept@x"), "<vCard xmlns='vcard-temp'/>");
    assert.deepEqual(await store.blocklist("kept@x"), ["spam@y"]);
  });
}

onBothStores("account data", behaviour);
