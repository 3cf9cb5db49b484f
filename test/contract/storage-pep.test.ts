// The PEP part of the chat store (nodes, items, max_items, last items, account removal), one
// behaviour suite run against SQLite (a temp file) and a real PostgreSQL (a schema of its own).
import { test } from "node:test";
import assert from "node:assert/strict";
import { onBothStores, suiteStore, type OpenStore } from "../helpers/chat-stores.ts";

const ids = (items: { id: string }[]) => items.map((i) => i.id);

function behaviour(open: OpenStore): void {
  const store = suiteStore(open);

  test("nodes are created once per account and name, up to a number per account", async () => {
    assert.equal(await store.pepCreate("a@x", "n1", "{}", 2), "created");
    assert.equal(await store.pepCreate("a@x", "n1", "{}", 2), "exists");
    assert.equal(await store.pepCreate("a@x", "n0", '{"access_model":"open"}', 2), "created");
    assert.equal(await store.pepCreate("a@x", "n2", "{}", 2), "full");
    assert.equal(await store.pepCreate("b@x", "n1", "{}", 2), "created");
    assert.deepEqual(await store.pepNodes("a@x"), [
      { node: "n0", config: '{"access_model":"open"}' },
      { node: "n1", config: "{}" },
    ]);
    assert.deepEqual(await store.pepNode("a@x", "n0"), { node: "n0", config: '{"access_model":"open"}' });
    assert.equal(await store.pepNode("c@x", "n0"), undefined);
  });

  test("publish keeps the newest max_items, a republished id moves to the end; items by id or newest", async () => {
    await store.pepCreate("p@x", "n", "{}", 10);
    assert.equal(await store.pepPublish("p@x", "missing", { id: "1", xml: "<a/>" }, 3), false);
    for (const id of ["1", "2", "3", "4"])
      assert.ok(await store.pepPublish("p@x", "n", { id, xml: `<i${id}/>` }, 3));
    assert.deepEqual(ids(await store.pepItems("p@x", "n")), ["2", "3", "4"]);
    await store.pepPublish("p@x", "n", { id: "2", xml: "<again/>" }, 3);
    assert.deepEqual(await store.pepItems("p@x", "n"), [
      { id: "3", xml: "<i3/>" },
      { id: "4", xml: "<i4/>" },
      { id: "2", xml: "<again/>" },
    ]);
    assert.deepEqual(ids(await store.pepItems("p@x", "n", { max: 2 })), ["4", "2"]);
    assert.deepEqual(ids(await store.pepItems("p@x", "n", { ids: ["3", "nope", "2"] })), ["3", "2"]);
    assert.equal(await store.pepRetract("p@x", "n", "4"), true);
    assert.equal(await store.pepRetract("p@x", "n", "4"), false);
    assert.deepEqual(ids(await store.pepItems("p@x", "n")), ["3", "2"]);
    // Configuring a smaller max_items trims at once.
    assert.equal(await store.pepConfigure("p@x", "n", '{"max_items":1}', 1), true);
    assert.deepEqual(ids(await store.pepItems("p@x", "n")), ["2"]);
    assert.equal(await store.pepConfigure("p@x", "none", "{}", 1), false);
  });

  test("the last item of each node of each account, in one call", async () => {
    await store.pepCreate("l1@x", "mood", "{}", 10);
    await store.pepCreate("l1@x", "tune", "{}", 10);
    await store.pepCreate("l2@x", "mood", '{"x":1}', 10);
    await store.pepPublish("l1@x", "mood", { id: "a", xml: "<a/>" }, 5);
    await store.pepPublish("l1@x", "mood", { id: "b", xml: "<b/>" }, 5);
    await store.pepPublish("l1@x", "tune", { id: "t", xml: "<t/>" }, 5);
    await store.pepPublish("l2@x", "mood", { id: "c", xml: "<c/>" }, 5);
    const last = await store.pepLastItems(["l1@x", "l2@x", "l3@x"], ["mood"]);
    assert.deepEqual(
      last.sort((x, y) => (x.account < y.account ? -1 : 1)),
      [
        { account: "l1@x", node: "mood", id: "b", xml: "<b/>", config: "{}" },
        { account: "l2@x", node: "mood", id: "c", xml: "<c/>", config: '{"x":1}' },
      ],
    );
    assert.deepEqual(await store.pepLastItems([], ["mood"]), []);
  });

  test("purge empties a node, delete removes it with its items", async () => {
    await store.pepCreate("d@x", "n", "{}", 10);
    await store.pepPublish("d@x", "n", { id: "1", xml: "<a/>" }, 5);
    assert.equal(await store.pepPurge("d@x", "n"), true);
    assert.deepEqual(await store.pepItems("d@x", "n"), []);
    await store.pepPublish("d@x", "n", { id: "2", xml: "<a/>" }, 5);
    assert.equal(await store.pepDelete("d@x", "n"), true);
    assert.equal(await store.pepDelete("d@x", "n"), false);
    assert.equal(await store.pepPurge("d@x", "n"), false);
    await store.pepCreate("d@x", "n", "{}", 10);
    assert.deepEqual(await store.pepItems("d@x", "n"), []);
  });

  test("concurrent publishers on one node all land, max_items holds", async () => {
    await store.pepCreate("c@x", "n", "{}", 10);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.pepPublish("c@x", "n", { id: `i${i}`, xml: "<a/>" }, 5)),
    );
    assert.equal((await store.pepItems("c@x", "n")).length, 5);
  });

  test("deleting an account forgets its PEP nodes and items, and nobody else's", async () => {
    for (const a of ["gone@x", "kept@x"]) {
      await store.pepCreate(a, "n", "{}", 10);
      await store.pepPublish(a, "n", { id: "1", xml: "<a/>" }, 5);
    }
    await store.deleteAccount("gone@x");
    assert.deepEqual(await store.pepNodes("gone@x"), []);
    assert.deepEqual(await store.pepItems("gone@x", "n"), []);
    assert.deepEqual(ids(await store.pepItems("kept@x", "n")), ["1"]);
  });
}

onBothStores("PEP", behaviour);
