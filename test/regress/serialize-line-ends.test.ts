// Regression (found by the fuzz targets, issue 10 item 14): a stanza holding a CR (`&#13;` in text)
// or a tab, CR or LF in an attribute value was serialised with the raw character, which the next
// parser normalises (XML 1.0 §2.11, §3.3.3): what we relayed was not what the sender wrote.
import { test } from "node:test";
import assert from "node:assert/strict";
import { el, serialize } from "../../src/xml/element.ts";
import { parseStoredElement } from "../../src/xml/parse-stored.ts";

test("CR in text and tab, CR, LF in attributes survive a serialise and re-parse", () => {
  const original = el(
    "message",
    { xmlns: "jabber:client", id: "a\tb\nc\rd" },
    el("body", {}, "line1\r\nline2"),
  );
  const xml = serialize(original);
  assert.equal(
    xml,
    `<message xmlns="jabber:client" id="a&#9;b&#10;c&#13;d"><body>line1&#13;\nline2</body></message>`,
  );
  const back = parseStoredElement(xml);
  assert.equal(back?.attrs.id, "a\tb\nc\rd");
  assert.equal(back?.getChildText("body"), "line1\r\nline2");
  assert.equal(serialize(back ?? el("none")), xml);
});
