// The TCP stream parser refusing what RFC 6120 §11 forbids: restricted XML (§11.1), malformed
// input, entity attacks, other encodings (§11.6) and oversized input (§13.12).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NS_STREAMS } from "../../src/xml/stream-errors.ts";
import { createStreamParser } from "../../src/xml/stream-parser.ts";
import { HEADER, OPEN, errorOf, recorder, run } from "../helpers/stream-recorder.ts";

void describe("stream parser: violations", () => {
  const cases: [string, string, string][] = [
    ["a DOCTYPE before the stream", "<!DOCTYPE stream>" + OPEN, "restricted-xml"],
    ["a DOCTYPE inside the stream", HEADER + "<!DOCTYPE x>", "restricted-xml"],
    ["a comment before the stream", "<!-- hi -->" + OPEN, "restricted-xml"],
    ["a comment between stanzas", HEADER + "<!-- hi --><presence/>", "restricted-xml"],
    ["a comment inside a stanza", HEADER + "<message><!-- hi --></message>", "restricted-xml"],
    ["a processing instruction between stanzas", HEADER + "<?foo bar?>", "restricted-xml"],
    ["a processing instruction inside a stanza", HEADER + "<message><?foo bar?></message>", "restricted-xml"],
    ["a processing instruction before the stream", "<?foo bar?>" + OPEN, "restricted-xml"],
    ["an XML declaration after the header", HEADER + "<?xml version='1.0'?>", "restricted-xml"],
    ["an XML declaration after whitespace", " <?xml version='1.0'?>" + OPEN, "restricted-xml"],
    ["an undeclared entity reference", HEADER + "<message><body>&nbsp;</body></message>", "restricted-xml"],
    ["an entity reference in an attribute", HEADER + "<message to='&foo;'/>", "restricted-xml"],
    [
      "a character reference to a non-character",
      HEADER + "<message><body>&#0;</body></message>",
      "not-well-formed",
    ],
    ["a malformed character reference", HEADER + "<message><body>&#xZZ;</body></message>", "not-well-formed"],
    ["an unbound prefix on an element", HEADER + "<foo:message/>", "not-well-formed"],
    ["an unbound prefix on an attribute", HEADER + "<message foo:bar='1'/>", "not-well-formed"],
    ["mismatched tags", HEADER + "<message><body></message>", "not-well-formed"],
    ["a stray end tag between stanzas", HEADER + "</message>", "not-well-formed"],
    ["a duplicate attribute", HEADER + "<message to='a' to='b'/>", "not-well-formed"],
    ["junk markup", HEADER + "<<presence/>", "not-well-formed"],
    ["text between stanzas", HEADER + "<presence/>hello<presence/>", "not-well-formed"],
    ["an entity between stanzas", HEADER + "&amp;", "not-well-formed"],
    ["CDATA text between stanzas", HEADER + "<![CDATA[x]]>", "not-well-formed"],
    ["text before the stream", "hello" + OPEN, "not-well-formed"],
    ["a first element that is not a stream", "<message xmlns='jabber:client'/>", "invalid-namespace"],
    ["a stream in the wrong namespace", "<stream:stream xmlns:stream='urn:wrong'>", "invalid-namespace"],
    ["a stream without a namespace", "<stream xmlns='jabber:client'>", "invalid-namespace"],
    [
      "the stream namespace under another prefix",
      `<s:stream xmlns:s='${NS_STREAMS}'>`,
      "bad-namespace-prefix",
    ],
    [
      "a declared encoding other than UTF-8",
      "<?xml version='1.0' encoding='ISO-8859-1'?>" + OPEN,
      "unsupported-encoding",
    ],
  ];
  for (const [what, input, condition] of cases) {
    void it(`${what} → ${condition}`, () => assert.equal(errorOf(input), condition));
  }

  void it("accepts an XML declaration that names UTF-8", () => {
    assert.equal(errorOf("<?xml version='1.0' encoding='UTF-8'?>" + OPEN + "<presence/>"), undefined);
  });

  void it("refuses invalid UTF-8 as not-well-formed", () => {
    const bad = [
      Buffer.from([0xc3, 0x28]), // a lead byte without its continuation
      Buffer.from([0xc0, 0x80]), // an overlong encoding
      Buffer.from([0xed, 0xa0, 0x80]), // an encoded surrogate
      Buffer.from([0x80]), // a lone continuation byte
    ];
    for (const bytes of bad) {
      const input = Buffer.concat([
        Buffer.from(HEADER + "<message><body>"),
        bytes,
        Buffer.from("</body></message>"),
      ]);
      assert.equal(errorOf(input), "not-well-formed", bytes.toString("hex"));
    }
  });

  void it("refuses a UTF-16 stream as unsupported-encoding", () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(HEADER, "utf16le")]);
    assert.equal(errorOf(utf16), "unsupported-encoding");
  });

  void it("ignores all input after an error until reset()", () => {
    const { parser, events } = recorder();
    parser.write(HEADER + "<!-- no --><presence/>");
    parser.write("<presence/>");
    parser.end();
    assert.deepEqual(
      events.map((e) => e.type),
      ["start", "error"],
    );
    parser.reset();
    parser.write(HEADER + "<presence/>");
    assert.deepEqual(
      events.map((e) => e.type),
      ["start", "error", "start", "stanza"],
    );
  });
});

void describe("stream parser: entity attacks", () => {
  const billionLaughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
    Array.from({ length: 9 }, (_, i) => {
      const prev = i === 0 ? "lol" : `lol${i}`;
      return `<!ENTITY lol${i + 1} "${`&${prev};`.repeat(10)}">`;
    }).join("") +
    "]>";

  void it("refuses a billion-laughs DOCTYPE before anything is expanded", () => {
    const events = run([billionLaughs + OPEN + "<message><body>&lol9;</body></message>"]);
    assert.deepEqual(events, [
      { type: "error", condition: "restricted-xml", text: "DTDs are not allowed in XMPP (RFC 6120 §11.1)" },
    ]);
  });

  void it("refuses an external entity DOCTYPE and reads no file", () => {
    const xxe = '<!DOCTYPE stream [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>';
    const events = run([xxe + OPEN + "<message><body>&xxe;</body></message>"]);
    assert.deepEqual(
      events.map((e) => (e.type === "error" ? e.condition : e.type)),
      ["restricted-xml"],
    );
    // And without the DOCTYPE the reference is refused, not replaced by anything.
    const events2 = run([HEADER + "<message><body>&xxe;</body></message>"]);
    assert.deepEqual(
      events2.map((e) => (e.type === "error" ? e.condition : e.type)),
      ["start", "restricted-xml"],
    );
  });

  void it("refuses a DOCTYPE sent after the stream header", () => {
    assert.equal(errorOf(OPEN + billionLaughs.slice('<?xml version="1.0"?>'.length)), "restricted-xml");
  });
});

void describe("stream parser: limits", () => {
  const limit = 1000;
  const stanzaOfSize = (bytes: number) => {
    const open = "<message><body>";
    const close = "</body></message>";
    // "é" is two bytes: the limit counts bytes, not characters.
    const fill = bytes - open.length - close.length;
    return open + "é".repeat(Math.floor(fill / 2)) + "x".repeat(fill % 2) + close;
  };

  void it("accepts a stanza of exactly maxStanzaBytes bytes and refuses one byte more", () => {
    assert.equal(Buffer.byteLength(stanzaOfSize(limit)), limit);
    assert.equal(errorOf(HEADER + stanzaOfSize(limit), { maxStanzaBytes: limit }), undefined);
    assert.equal(errorOf(HEADER + stanzaOfSize(limit + 1), { maxStanzaBytes: limit }), "policy-violation");
    // Each stanza is counted on its own.
    const many = HEADER + stanzaOfSize(limit).repeat(5);
    assert.equal(errorOf(many, { maxStanzaBytes: limit }), undefined);
  });

  void it("counts the start tag's attributes and a self-closing stanza too", () => {
    const big = `<presence id='${"a".repeat(200)}'/>`;
    assert.equal(errorOf(HEADER + big, { maxStanzaBytes: big.length }), undefined);
    assert.equal(errorOf(HEADER + big, { maxStanzaBytes: big.length - 1 }), "policy-violation");
  });

  void it("stops a 10 MB stanza long before it has all arrived", () => {
    const maxStanzaBytes = 262_144;
    const { parser, events } = recorder({ maxStanzaBytes });
    parser.write(HEADER + "<message><body>");
    const chunk = Buffer.alloc(65_536, "a");
    let written = 0;
    while (written < 10_000_000 && events.every((e) => e.type !== "error")) {
      parser.write(chunk);
      written += chunk.length;
    }
    const error = events.find((e) => e.type === "error");
    assert.equal(error?.type === "error" && error.condition, "policy-violation");
    assert.ok(written <= maxStanzaBytes + chunk.length, `fired after ${written} bytes`);
  });

  void it("stops a large chunk at the limit within the chunk", () => {
    // One big write: the oversized stanza is refused even though the whole of it and more arrived.
    const events = run([HEADER + stanzaOfSize(50_000) + "<presence/>"], { maxStanzaBytes: 1000 });
    assert.deepEqual(
      events.map((e) => (e.type === "error" ? e.condition : e.type)),
      ["start", "policy-violation"],
    );
  });

  void it("caps the stream header", () => {
    const header = `<stream:stream xmlns='jabber:client' xmlns:stream='${NS_STREAMS}' to='${"a".repeat(10_000)}'>`;
    assert.equal(errorOf(header, { maxHeaderBytes: 8192 }), "policy-violation");
    assert.equal(errorOf(" ".repeat(9000), { maxHeaderBytes: 8192 }), "policy-violation");
    assert.equal(errorOf(HEADER, { maxHeaderBytes: 8192 }), undefined);
  });

  void it("caps whitespace between stanzas, and restarts the count at each stanza", () => {
    assert.equal(errorOf(HEADER + " ".repeat(2001), { maxIdleBytes: 2000 }), "policy-violation");
    assert.equal(
      errorOf(HEADER + (" ".repeat(1500) + "<presence/>").repeat(3), { maxIdleBytes: 2000 }),
      undefined,
    );
  });

  void it("refuses non-whitespace between stanzas as soon as it arrives, before any '<'", () => {
    const events = run([HEADER, "x"]);
    assert.deepEqual(events.at(-1), {
      type: "error",
      condition: "not-well-formed",
      text: "character data between stanzas",
    });
  });

  void it("validates limits up front", () => {
    const noop = () => {};
    const handlers = { onStreamStart: noop, onStanza: noop, onStreamEnd: noop, onError: noop };
    assert.throws(() => createStreamParser({ ...handlers, maxStanzaBytes: 0 }), RangeError);
    assert.throws(() => createStreamParser({ ...handlers, maxIdleBytes: 1.5 }), RangeError);
  });
});
