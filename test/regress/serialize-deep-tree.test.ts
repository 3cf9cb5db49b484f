// Regression (issue 10, defect 2): `serialize` recursed once per level, so a message 7,000 levels
// deep overflowed the stack and closed the sender's stream with internal-server-error. The parsers
// now cap the depth (c2s_stanza_depth_limit), and serialisation is iterative for trees built in code.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Element, el, serialize } from "../../src/xml/element.ts";
import { parseStoredElement } from "../../src/xml/parse-stored.ts";

test("a tree 100,000 levels deep serialises without overflowing the stack", () => {
  const root = new Element("message", { xmlns: "jabber:client", to: "a@b" });
  let at = root;
  for (let i = 0; i < 100_000; i++) at = at.c("a");
  at.append("x<y");
  const xml = serialize(root);
  assert.ok(xml.startsWith(`<message xmlns="jabber:client" to="a@b"><a><a>`));
  assert.ok(xml.includes("<a>x&lt;y</a></a>"));
  assert.ok(xml.endsWith("</a></a></message>"));
  assert.equal(xml.length, 40 + 100_000 * 7 + 6 + 10);
});

test("mixed content keeps its order, empty elements self-close", () => {
  const tree = el("p", { xmlns: "urn:x" }, "a", el("b", {}, "c", el("d")), "e&", el("f", { g: "'\"" }));
  assert.equal(serialize(tree), `<p xmlns="urn:x">a<b>c<d/></b>e&amp;<f g="&apos;&quot;"/></p>`);
  assert.equal(serialize(parseStoredElement(serialize(tree)) ?? el("none")), serialize(tree));
});
