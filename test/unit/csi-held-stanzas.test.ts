// XEP-0352 §5: what an inactive client gets at once and what waits; presence coalesced per full JID;
// order kept on every release.
import { test } from "node:test";
import assert from "node:assert/strict";
import { el, type Element } from "../../src/xml/element.ts";
import { HeldStanzas } from "../../src/modules/csi/held-stanzas.ts";
import { urgency } from "../../src/modules/csi/urgency.ts";

const C = "jabber:client";
const presence = (from: string, status: string, type?: string) =>
  el("presence", { xmlns: C, from, type }, el("status", {}, status));
const composing = (from: string) =>
  el(
    "message",
    { xmlns: C, from, type: "chat" },
    el("composing", { xmlns: "http://jabber.org/protocol/chatstates" }),
  );
const chat = (from: string, body: string) =>
  el("message", { xmlns: C, from, type: "chat" }, el("body", {}, body));
const label = (e: Element) =>
  `${e.name}:${e.getChildText("status") ?? e.getChildText("body") ?? e.elements[0]?.name ?? ""}`;

function gate(limit = 100) {
  const written: Element[] = [];
  const held = new HeldStanzas((e) => written.push(e), limit);
  const send = (e: Element) => {
    if (!held.hold(e)) written.push(e);
  };
  return { held, send, written, labels: () => written.map(label) };
}

test("urgency: bodies, carbons with bodies, encrypted, errors and IQs now; the rest later", () => {
  assert.equal(urgency(chat("a@x/1", "hi")), "now");
  assert.equal(urgency(composing("a@x/1")), "later");
  assert.equal(urgency(presence("a@x/1", "away")), "later");
  assert.equal(urgency(el("iq", { xmlns: C, type: "get" })), "now");
  assert.equal(urgency(el("message", { xmlns: C, type: "error" })), "now");
  assert.equal(
    urgency(el("message", { xmlns: C }, el("encrypted", { xmlns: "eu.siacs.conversations.axolotl" }))),
    "now",
  );
  const carbon = (inner: Element) =>
    el(
      "message",
      { xmlns: C },
      el(
        "received",
        { xmlns: "urn:xmpp:carbons:2" },
        el("forwarded", { xmlns: "urn:xmpp:forward:0" }, inner),
      ),
    );
  assert.equal(urgency(carbon(chat("a@x/1", "hi"))), "now");
  assert.equal(urgency(carbon(composing("a@x/1"))), "later");
  assert.equal(urgency(el("r", { xmlns: "urn:xmpp:sm:3" })), "not-a-stanza");
});

test("held presence is coalesced per full JID; an urgent stanza releases all before it, in order", () => {
  const g = gate();
  g.send(presence("a@x/1", "one"));
  g.send(composing("b@x/1"));
  g.send(presence("a@x/2", "other resource"));
  g.send(presence("a@x/1", "two"));
  g.send(el("presence", { xmlns: C, from: "c@x", type: "subscribe" }));
  assert.equal(g.written.length, 0);
  assert.equal(g.held.size, 4);
  g.send(chat("b@x/1", "hello"));
  assert.deepEqual(g.labels(), [
    "message:composing",
    "presence:other resource",
    "presence:two",
    "presence:",
    "message:hello",
  ]);
  assert.equal(g.held.size, 0);
});

test("non-stanzas pass without releasing; the limit releases everything; release() empties", () => {
  const g = gate(3);
  g.send(presence("a@x/1", "one"));
  g.send(el("r", { xmlns: "urn:xmpp:sm:3" }));
  assert.deepEqual(g.labels(), ["r:"]);
  g.send(presence("a@x/2", "two"));
  g.send(presence("a@x/3", "three"));
  assert.deepEqual(g.labels(), ["r:", "presence:one", "presence:two", "presence:three"]);
  g.send(presence("a@x/4", "four"));
  g.held.release();
  assert.deepEqual(g.labels().slice(-1), ["presence:four"]);
  g.held.release();
  assert.equal(g.written.length, 5);
});
