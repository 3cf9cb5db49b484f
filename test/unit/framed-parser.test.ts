// The WebSocket framed parser (RFC 7395 §3.3): one complete element per message, with the same
// restrictions and limits as a TCP stream.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serialize } from "../../src/xml/element.ts";
import { createFramedParser, type FramedResult } from "../../src/xml/framed-parser.ts";
import { NS_FRAMING, NS_STREAMS } from "../../src/xml/stream-errors.ts";

const parser = createFramedParser();

function conditionOf(result: FramedResult): string {
  return result.kind === "error" ? result.condition : `no error (${result.kind})`;
}

function stanzaXml(result: FramedResult): string {
  assert.equal(result.kind, "stanza", JSON.stringify(result));
  return result.kind === "stanza" ? serialize(result.element) : "";
}

void describe("framed parser: messages", () => {
  void it("reads <open/> and <close/> in the framing namespace", () => {
    assert.deepEqual(
      parser.parse(`<open xmlns="${NS_FRAMING}" to="example.com" version="1.0" xml:lang="en"/>`),
      { kind: "open", attrs: { xmlns: NS_FRAMING, to: "example.com", version: "1.0", "xml:lang": "en" } },
    );
    assert.deepEqual(parser.parse(`<close xmlns="${NS_FRAMING}"/>`), {
      kind: "close",
      attrs: { xmlns: NS_FRAMING },
    });
  });

  void it("an <open/> outside the framing namespace is just an element", () => {
    assert.equal(stanzaXml(parser.parse("<open/>")), '<open xmlns="jabber:client"/>');
  });

  void it("puts stanzas in jabber:client unless the message says otherwise", () => {
    assert.equal(
      stanzaXml(parser.parse("<message to='a@b'><body>hi</body></message>")),
      '<message xmlns="jabber:client" to="a@b"><body>hi</body></message>',
    );
    assert.equal(
      stanzaXml(parser.parse("<message xmlns='jabber:client'><body>hi</body></message>")),
      '<message xmlns="jabber:client"><body>hi</body></message>',
    );
    const result = parser.parse("<iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>");
    assert.ok(result.kind === "stanza");
    assert.equal(result.element.getChild("ping", "urn:xmpp:ping")?.name, "ping");
  });

  void it("keeps prefixes declared in the message", () => {
    const result = parser.parse(
      `<stream:error xmlns:stream="${NS_STREAMS}"><conflict xmlns="urn:ietf:params:xml:ns:xmpp-streams"/></stream:error>`,
    );
    assert.ok(result.kind === "stanza");
    assert.equal(result.element.name, "stream:error");
    assert.equal(result.element.xmlns, NS_STREAMS);
    assert.equal(
      serialize(result.element),
      `<stream:error xmlns="${NS_STREAMS}" xmlns:stream="${NS_STREAMS}">` +
        '<conflict xmlns="urn:ietf:params:xml:ns:xmpp-streams"/></stream:error>',
    );
  });

  void it("tolerates whitespace around the element", () => {
    assert.equal(stanzaXml(parser.parse("\n <presence/> \r\n")), '<presence xmlns="jabber:client"/>');
  });

  void it("keeps each message independent: an error does not stick", () => {
    assert.equal(conditionOf(parser.parse("<message>")), "not-well-formed");
    assert.equal(stanzaXml(parser.parse("<presence/>")), '<presence xmlns="jabber:client"/>');
  });
});

void describe("framed parser: violations", () => {
  const cases: [string, string, string][] = [
    ["two elements", "<presence/><presence/>", "not-well-formed"],
    ["text after the element", "<presence/>hi", "not-well-formed"],
    ["text before the element", "hi<presence/>", "not-well-formed"],
    ["a partial element", "<message><body>hi</body>", "not-well-formed"],
    [
      "a TCP stream header",
      `<stream:stream xmlns:stream="${NS_STREAMS}" xmlns="jabber:client">`,
      "not-well-formed",
    ],
    ["an empty message", "", "not-well-formed"],
    [
      "a stanza inside <close/>",
      `<close xmlns="${NS_FRAMING}"><message><body>x</body></message></close>`,
      "invalid-xml",
    ],
    ["text inside <close/>", `<close xmlns="${NS_FRAMING}">bye</close>`, "invalid-xml"],
    [
      "a stanza inside <open/>",
      `<open xmlns="${NS_FRAMING}" to="a" version="1.0"><presence/></open>`,
      "invalid-xml",
    ],
    ["only whitespace", "  ", "not-well-formed"],
    ["an unbound prefix", "<foo:presence/>", "not-well-formed"],
    ["mismatched tags", "<message><body></message>", "not-well-formed"],
    ["a comment", "<message><!-- x --></message>", "restricted-xml"],
    ["a processing instruction", "<?foo?><presence/>", "restricted-xml"],
    ["a DOCTYPE", '<!DOCTYPE m [<!ENTITY x "y">]><message>&x;</message>', "restricted-xml"],
    ["an undeclared entity", "<message><body>&x;</body></message>", "restricted-xml"],
    [
      "another declared encoding",
      "<?xml version='1.0' encoding='UTF-16'?><presence/>",
      "unsupported-encoding",
    ],
  ];
  for (const [what, message, condition] of cases) {
    void it(`${what} → ${condition}`, () => assert.equal(conditionOf(parser.parse(message)), condition));
  }
});

void describe("framed parser: size limit", () => {
  const small = createFramedParser({ maxStanzaBytes: 100 });
  const ofSize = (bytes: number) => {
    const open = "<message><body>";
    const close = "</body></message>";
    const fill = bytes - open.length - close.length;
    // "€" is three bytes: the limit counts bytes, not characters.
    return open + "€".repeat(Math.floor(fill / 3)) + "x".repeat(fill % 3) + close;
  };

  void it("accepts a message of exactly maxStanzaBytes bytes and refuses one byte more", () => {
    assert.equal(Buffer.byteLength(ofSize(100)), 100);
    assert.equal(small.parse(ofSize(100)).kind, "stanza");
    assert.equal(conditionOf(small.parse(ofSize(101))), "policy-violation");
  });

  void it("refuses a 10 MB message", () => {
    const big = "<message><body>" + "a".repeat(10_000_000) + "</body></message>";
    assert.equal(conditionOf(createFramedParser().parse(big)), "policy-violation");
  });

  void it("validates limits up front", () => {
    assert.throws(() => createFramedParser({ maxStanzaBytes: -1 }), RangeError);
  });
});
