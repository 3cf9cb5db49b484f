// Regression: a message between two cluster nodes is delivered before the sending node's archive
// queue writes it (delivery no longer waits for the database, which added a write to every message
// between nodes). The recipient, on the other node, may at once page its archive from the id it got
// live (RSM <after>/after-id, as clients catching up do): that id must not be item-not-found just
// because its entry is still queued on the first node. Here the first node's archive writes are held
// while the query is made, then released.
import { test } from "node:test";
import assert from "node:assert/strict";
import { clusterSkip, useCluster } from "../helpers/cluster.ts";
import { xml } from "../helpers/chat-client.ts";
import type { ChatStore } from "../../src/storage/store.ts";
import type { ArchiveEntry } from "../../src/storage/mam.ts";

const skip = clusterSkip;
const MAM = "urn:xmpp:mam:2";
const SID = "urn:xmpp:sid:0";

let held = false;
const releases: (() => void)[] = [];
let written = 0;

/** node m1's store: archive() waits while `held`. */
const holdArchive = (store: ChatStore): ChatStore =>
  new Proxy(store, {
    get(target, key) {
      if (key === "archive")
        return async (entries: readonly ArchiveEntry[]) => {
          if (held) await new Promise<void>((r) => releases.push(r));
          await target.archive(entries);
          written += entries.length;
        };
      const v: unknown = Reflect.get(target, key);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });

const { nodes, online } = useCluster(
  "xha_mam_recent",
  ["m1", "m2"],
  {},
  { m1: { wrapChatStore: holdArchive } },
);

test(
  "paging from an id delivered through another node waits for that node's queued write",
  { skip },
  async () => {
    const alice = await online(0, "alice", "a");
    const bob = await online(1, "bob", "b");
    const deadline = Date.now() + 5000;
    while (nodes[0]!.server.ctx.sessions.get("bob@localhost", "b") === undefined) {
      assert.ok(Date.now() < deadline, "m1 never saw bob");
      await new Promise((r) => setTimeout(r, 20));
    }

    held = true;
    await alice.send(xml("message", { to: bob.jid, type: "chat" }, xml("body", {}, "queued")));
    const got = await bob.waitFor((s) => s.getChildText("body") === "queued", "the message, live");
    const id = got.getChildren("stanza-id", SID).find((e) => e.attrs.by === "bob@localhost")?.attrs.id;
    assert.ok(id, "bob's copy carries his archive id");
    assert.equal(written, 0, "delivered while m1's archive write is still held");

    // Released a little after the query is made on m2: the query must wait for it, not fail.
    setTimeout(() => {
      held = false;
      for (const r of releases.splice(0)) r();
    }, 150);
    const q = xml(
      "query",
      { xmlns: MAM, queryid: "after" },
      xml("set", { xmlns: "http://jabber.org/protocol/rsm" }, xml("after", {}, id)),
    );
    const r = await bob.iq(xml("iq", { type: "set" }, q));
    assert.equal(r.attrs.type, "result", `after its own id: ${r.toString()}`);
    assert.ok(written >= 1, "answered once the write was done");

    // An id that was never made stays item-not-found, and at once (it is not recent).
    const old = "000000001000000000000";
    const bad = xml(
      "query",
      { xmlns: MAM, queryid: "old" },
      xml("set", { xmlns: "http://jabber.org/protocol/rsm" }, xml("after", {}, old)),
    );
    const e = await bob.iq(xml("iq", { type: "set" }, bad));
    assert.equal(e.attrs.type, "error");
    assert.ok(e.getChild("error")?.getChild("item-not-found"), e.toString());
  },
);
