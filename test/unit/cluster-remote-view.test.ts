// A node's replica of the other nodes' sessions drops an announced logout by the registry's JID
// text, without parsing it again; only the session that holds the JID is dropped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseJid } from "../../src/jid.ts";
import { RemoteView } from "../../src/cluster/remote-view.ts";
import { RemoteHandle, type NodeLink } from "../../src/cluster/remote-handle.ts";

const link = { up: true } as unknown as NodeLink;
const state = { available: true, priority: 0, last: undefined, carbons: false, interested: false, extra: {} };
const handle = (jid: string, sid: string) => new RemoteHandle(parseJid(jid), "b", sid, 1, state, link);

test("removeText drops the session named by its full JID text and sid", () => {
  const view = new RemoteView("a");
  view.set(handle("alice@example.org/phone/with/slashes", "s1"));
  view.set(handle("alice@example.org/desk", "s2"));
  view.set(handle("example.org/service", "s3"));
  assert.equal(view.size, 3);
  view.removeText("alice@example.org/phone/with/slashes", "other-sid");
  assert.equal(view.size, 3, "a stale logout does not drop a newer session");
  view.removeText("alice@example.org/phone/with/slashes", "s1");
  assert.equal(view.get("alice@example.org", "phone/with/slashes"), undefined);
  assert.equal(view.get("alice@example.org", "desk")?.sid, "s2");
  view.removeText("example.org/service", "s3");
  view.removeText("alice@example.org/desk", "s2");
  assert.equal(view.size, 0);
  assert.deepEqual(view.ofAccount("alice@example.org"), []);
});
