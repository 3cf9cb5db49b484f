// XEP-0115 §5.2 and §5.3: the verification strings and hashes of the XEP's own examples, and what
// the caps tracker keeps of a disco#info result (the +notify nodes, bounded).
import { test } from "node:test";
import assert from "node:assert/strict";
import { el } from "../../src/xml/element.ts";
import { capsVer, verificationString } from "../../src/modules/pep/caps-hash.ts";
import { notifyNodesOf } from "../../src/modules/pep/caps.ts";

const DISCO = "http://jabber.org/protocol/disco#info";
const feature = (v: string) => el("feature", { var: v });
const field = (v: string, ...values: string[]) =>
  el("field", { var: v }, ...values.map((x) => el("value", {}, x)));

test("§5.2 simple example: Exodus", () => {
  const q = el(
    "query",
    { xmlns: DISCO },
    el("identity", { category: "client", type: "pc", name: "Exodus 0.9.1" }),
    feature("http://jabber.org/protocol/caps"),
    feature("http://jabber.org/protocol/disco#info"),
    feature("http://jabber.org/protocol/disco#items"),
    feature("http://jabber.org/protocol/muc"),
  );
  assert.equal(
    verificationString(q),
    "client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<" +
      "http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<",
  );
  assert.equal(capsVer(q, "sha-1"), "QgayPKawpkPSDYmwT/WM94uAlu0=");
});

test("§5.3 complex example: Psi with two identities and an extended form", () => {
  const q = el(
    "query",
    { xmlns: DISCO },
    el("identity", { "xml:lang": "en", category: "client", name: "Psi 0.11", type: "pc" }),
    el("identity", { "xml:lang": "el", category: "client", name: "Ψ 0.11", type: "pc" }),
    feature("http://jabber.org/protocol/caps"),
    feature("http://jabber.org/protocol/disco#info"),
    feature("http://jabber.org/protocol/disco#items"),
    feature("http://jabber.org/protocol/muc"),
    el(
      "x",
      { xmlns: "jabber:x:data", type: "result" },
      el("field", { var: "FORM_TYPE", type: "hidden" }, el("value", {}, "urn:xmpp:dataforms:softwareinfo")),
      field("ip_version", "ipv4", "ipv6"),
      field("os", "Mac"),
      field("os_version", "10.5.1"),
      field("software", "Psi"),
      field("software_version", "0.11"),
    ),
  );
  assert.equal(capsVer(q, "sha-1"), "q07IKJEyjvHSyhy//CH0CxmKi8w=");
  assert.equal(capsVer(q, "md5"), undefined);
});

test("only +notify features become nodes; white space and excess are dropped", () => {
  const many = Array.from({ length: 100 }, (_, i) => feature(`urn:n${i}+notify`));
  const q = el(
    "query",
    { xmlns: DISCO },
    feature("urn:xmpp:avatar:metadata+notify"),
    feature("urn:xmpp:avatar:metadata"),
    feature("+notify"),
    feature("a b+notify"),
    ...many,
  );
  const nodes = notifyNodesOf(q);
  assert.equal(nodes[0], "urn:xmpp:avatar:metadata");
  assert.ok(!nodes.includes("a b") && !nodes.includes(""));
  assert.equal(nodes.length, 64);
});
