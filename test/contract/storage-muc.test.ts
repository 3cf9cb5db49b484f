// The MUC tables of the chat store (rooms, affiliations, archive with XEP-0359 ids and XEP-0313
// paging), one behaviour suite run against SQLite (a temp file) and a real PostgreSQL schema.
import { test } from "node:test";
import assert from "node:assert/strict";
import { onBothStores, suiteStore, type OpenStore } from "../helpers/chat-stores.ts";

function behaviour(open: OpenStore): void {
  const store = suiteStore(open);

  test("rooms are kept per service and replaced on save; deleting one drops its records", async () => {
    await store.mucSaveRoom("muc.x", "b@muc.x", '{"name":"B"}', undefined);
    await store.mucSaveRoom("muc.x", "a@muc.x", '{"name":"A"}', '{"text":"hi","from":"a@muc.x"}');
    await store.mucSaveRoom("muc.x", "a@muc.x", '{"name":"A2"}', undefined);
    await store.mucSaveRoom("other.x", "c@other.x", "{}", undefined);
    assert.deepEqual(await store.mucRooms("muc.x"), [
      { room: "a@muc.x", config: '{"name":"A2"}', subject: undefined },
      { room: "b@muc.x", config: '{"name":"B"}', subject: undefined },
    ]);
    await store.mucSetAffiliation("b@muc.x", "o@x", "owner", undefined);
    await store.mucArchive("b@muc.x", {
      stanzaId: "s1",
      ts: 1,
      nick: "n",
      sender: "o@x",
      stanza: "<message/>",
    });
    await store.mucDeleteRoom("b@muc.x");
    assert.deepEqual(
      (await store.mucRooms("muc.x")).map((r) => r.room),
      ["a@muc.x"],
    );
    assert.deepEqual(await store.mucAffiliations("b@muc.x"), []);
    assert.deepEqual(await store.mucRecent("b@muc.x", 10), []);
  });

  test("affiliations are set, replaced, removed with none, and forgotten with the account", async () => {
    await store.mucSetAffiliation("r@muc.x", "u@x", "member", undefined);
    await store.mucSetAffiliation("r@muc.x", "u@x", "outcast", "spam");
    await store.mucSetAffiliation("r@muc.x", "v@x", "admin", undefined);
    await store.mucSetAffiliation("s@muc.x", "u@x", "member", undefined);
    assert.deepEqual(await store.mucAffiliations("r@muc.x"), [
      { jid: "u@x", affiliation: "outcast", reason: "spam" },
      { jid: "v@x", affiliation: "admin", reason: undefined },
    ]);
    await store.mucSetAffiliation("r@muc.x", "v@x", "none", undefined);
    assert.deepEqual(
      (await store.mucAffiliations("r@muc.x")).map((a) => a.jid),
      ["u@x"],
    );
    assert.deepEqual((await store.mucForgetAccount("u@x")).sort(), ["r@muc.x", "s@muc.x"]);
    assert.deepEqual(await store.mucAffiliations("s@muc.x"), []);
    // The account's removal through deleteAccount forgets them too.
    await store.mucSetAffiliation("s@muc.x", "w@x", "member", undefined);
    await store.deleteAccount("w@x");
    assert.deepEqual(await store.mucAffiliations("s@muc.x"), []);
  });

  test("the archive pages forward and backward by stanza-id, filters by nick and time", async () => {
    const room = "log@muc.x";
    for (let i = 1; i <= 6; i++)
      await store.mucArchive(room, {
        stanzaId: `id${i}`,
        ts: i * 1000,
        nick: i % 2 === 0 ? "even" : "odd",
        sender: "u@x",
        stanza: `<message><body>${i}</body></message>`,
      });
    const ids = (p: { rows: { stanzaId: string }[] } | undefined) => p?.rows.map((r) => r.stanzaId);
    assert.deepEqual(
      (await store.mucRecent(room, 2)).map((r) => r.stanzaId),
      ["id5", "id6"],
    );
    const first = await store.mucQuery(room, { max: 4, fromEnd: false });
    assert.deepEqual(ids(first), ["id1", "id2", "id3", "id4"]);
    assert.equal(first?.complete, false);
    const rest = await store.mucQuery(room, { max: 4, fromEnd: false, afterId: "id4" });
    assert.deepEqual(ids(rest), ["id5", "id6"]);
    assert.equal(rest?.complete, true);
    const last = await store.mucQuery(room, { max: 2, fromEnd: true });
    assert.deepEqual(ids(last), ["id5", "id6"]);
    const before = await store.mucQuery(room, { max: 10, fromEnd: true, beforeId: "id3" });
    assert.deepEqual(ids(before), ["id1", "id2"]);
    assert.equal(before?.complete, true);
    assert.deepEqual(ids(await store.mucQuery(room, { max: 10, fromEnd: false, nick: "even" })), [
      "id2",
      "id4",
      "id6",
    ]);
    assert.deepEqual(ids(await store.mucQuery(room, { max: 10, fromEnd: false, start: 2000, end: 3000 })), [
      "id2",
      "id3",
    ]);
    assert.equal(await store.mucQuery(room, { max: 10, fromEnd: false, afterId: "nope" }), undefined);
    const row = (await store.mucRecent(room, 1))[0];
    assert.equal(row?.ts, 6000);
    assert.equal(row?.stanza, "<message><body>6</body></message>");
  });
}

onBothStores("MUC store", behaviour);
