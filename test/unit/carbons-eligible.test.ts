// XEP-0280 §6 eligibility, the cases end-to-end tests cannot produce: error bounces from a bare JID
// (a server's), MUC private messages, and archived messages of any type.
import { test } from "node:test";
import assert from "node:assert/strict";
import { el } from "../../src/xml/element.ts";
import { eligible } from "../../src/modules/carbons/carbons.ts";

const A = "alice@x";

test("an error from a bare JID is a bounce of what the account sent: copied when received", () => {
  const bounce = el("message", { type: "error", from: "bob@y", to: `${A}/r` }, el("error"));
  assert.equal(eligible(bounce, "received", A), true);
  assert.equal(eligible(bounce, "sent", A), false);
  const fromClient = el("message", { type: "error", from: "bob@y/r", to: `${A}/r` }, el("error"));
  assert.equal(eligible(fromClient, "received", A), false);
});

test("a MUC private message to one resource is not copied; to the bare JID it is", () => {
  const x = () => el("x", { xmlns: "http://jabber.org/protocol/muc#user" });
  const pm = el("message", { type: "chat", from: "room@muc/nick", to: `${A}/r` }, el("body", {}, "hi"), x());
  assert.equal(eligible(pm, "received", A), false);
  const toBare = el("message", { type: "chat", from: "room@muc/nick", to: A }, el("body", {}, "hi"), x());
  assert.equal(eligible(toBare, "received", A), true);
});

test("a message archived for the account is copied whatever its type; one archived for another is not", () => {
  const sid = (by: string) => el("stanza-id", { xmlns: "urn:xmpp:sid:0", by, id: "1" });
  assert.equal(eligible(el("message", { type: "normal" }, sid(A)), "received", A), true);
  assert.equal(eligible(el("message", { type: "normal" }, sid("bob@y")), "received", A), false);
  assert.equal(
    eligible(el("message", { type: "groupchat" }, el("body", {}, "x"), sid(A)), "received", A),
    false,
  );
  assert.equal(eligible(el("message", { type: "headline" }, el("body", {}, "x")), "received", A), false);
});

test("carbons themselves are never copied again", () => {
  const c = el("message", { type: "chat" }, el("received", { xmlns: "urn:xmpp:carbons:2" }));
  assert.equal(eligible(c, "received", A), false);
});
