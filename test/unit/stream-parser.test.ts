// The TCP stream parser (RFC 6120 §4, §11): stanzas out of a byte stream cut anywhere, namespaces
// that survive serialisation, restricted XML, byte limits and stream restarts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SaxesParser } from "saxes";
import { serialize, type Element } from "../../src/xml/element.ts";
import {
  NS_STREAMS,
  NS_XMPP_STREAMS,
  streamError,
  type StreamErrorInfo,
} from "../../src/xml/stream-errors.ts";
import { createStreamParser, type StreamParserOptions } from "../../src/xml/stream-parser.ts";

const OPEN = `<stream:stream xmlns='jabber:client' xmlns:stream='${NS_STREAMS}' to='example.com' version='1.0' xml:lang='en'>`;
const HEADER = "<?xml version='1.0'?>" + OPEN;

type Event =
  | { type: "start"; name: string; attrs: Record<string, string> }
  | { type: "stanza"; xml: string; el: Element }
  | { type: "end" }
  | ({ type: "error" } & StreamErrorInfo);

function recorder(limits: Partial<StreamParserOptions> = {}) {
  const events: Event[] = [];
  const parser = createStreamParser({
    ...limits,
    onStreamStart: (root) => events.push({ type: "start", ...root }),
    onStanza: (el) => events.push({ type: "stanza", xml: serialize(el), el }),
    onStreamEnd: () => events.push({ type: "end" }),
    onError: (err) => events.push({ type: "error", ...err }),
  });
  return { parser, events };
}

/** Feeds the chunks and returns what came out, without the Element objects. */
function run(chunks: (string | Buffer)[], limits: Partial<StreamParserOptions> = {}) {
  const { parser, events } = recorder(limits);
  for (const c of chunks) parser.write(c);
  return events.map((e) => (e.type === "stanza" ? { type: e.type, xml: e.xml } : e));
}

/** The stanzas parsed from one write. */
function stanzas(input: string): Element[] {
  const { parser, events } = recorder();
  parser.write(input);
  return events.flatMap((e) => (e.type === "stanza" ? [e.el] : []));
}

function errorOf(input: string | Buffer, limits: Partial<StreamParserOptions> = {}): string | undefined {
  const errors = run([input], limits).filter((e) => e.type === "error");
  assert.ok(errors.length <= 1, "onError is reported once");
  return errors[0]?.type === "error" ? errors[0].condition : undefined;
}

/** Every element and attribute as {namespace}local, as a namespace-aware reader sees them. */
function expandedNames(xml: string): string[] {
  const names: string[] = [];
  const sax = new SaxesParser({ xmlns: true });
  sax.on("opentag", (tag) => {
    names.push(`{${tag.uri}}${tag.local}`);
    for (const a of Object.values(tag.attributes)) {
      if (a.prefix !== "xmlns" && a.name !== "xmlns") names.push(`@{${a.uri}}${a.local}=${a.value}`);
    }
  });
  sax.on("error", (err) => {
    throw err;
  });
  sax.write(xml).close();
  return names;
}

void describe("stream parser: stanzas", () => {
  const stream =
    HEADER +
    "<message to='juliet@example.com/balcony' type='chat' xml:lang='fr'><body>Où es-tu, 😀 ✓ 中文?</body></message>" +
    "\n  \t" +
    "<iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq>" +
    "<presence/>" +
    "</stream:stream>";

  void it("reports the header, each depth-1 element with an explicit xmlns, and the end", () => {
    const events = run([stream]);
    assert.deepEqual(events[0], {
      type: "start",
      name: "stream:stream",
      attrs: {
        xmlns: "jabber:client",
        "xmlns:stream": NS_STREAMS,
        to: "example.com",
        version: "1.0",
        "xml:lang": "en",
      },
    });
    assert.deepEqual(
      events.slice(1).map((e) => (e.type === "stanza" ? e.xml : e.type)),
      [
        '<message xmlns="jabber:client" to="juliet@example.com/balcony" type="chat" xml:lang="fr"><body>Où es-tu, 😀 ✓ 中文?</body></message>',
        '<iq xmlns="jabber:client" type="get" id="1"><query xmlns="jabber:iq:roster"/></iq>',
        '<presence xmlns="jabber:client"/>',
        "end",
      ],
    );
  });

  void it("gives the same events when the bytes are cut at any single boundary", () => {
    const bytes = Buffer.from(stream, "utf8");
    const whole = run([bytes]);
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.deepEqual(run([bytes.subarray(0, cut), bytes.subarray(cut)]), whole, `cut at byte ${cut}`);
    }
  });

  void it("gives the same events when fed one byte at a time", () => {
    const bytes = Buffer.from(stream, "utf8");
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i++) chunks.push(bytes.subarray(i, i + 1));
    assert.deepEqual(run(chunks), run([bytes]));
  });

  void it("decodes a 4-byte character split over four chunks", () => {
    const emoji = Buffer.from("😀", "utf8");
    assert.equal(emoji.length, 4);
    const events = run([
      HEADER + "<message><body>a",
      emoji.subarray(0, 1),
      emoji.subarray(1, 2),
      emoji.subarray(2, 3),
      emoji.subarray(3),
      "b</body></message>",
    ]);
    const stanza = events.find((e) => e.type === "stanza");
    assert.equal(
      stanza?.type === "stanza" && stanza.xml,
      '<message xmlns="jabber:client"><body>a😀b</body></message>',
    );
  });

  void it("accepts whitespace keepalives before, between and after stanzas, in any chunking", () => {
    const events = run([HEADER, " ", "\n", "<presence/>", "\r\n\t ", " ", "<presence/>", " "]);
    assert.deepEqual(
      events.map((e) => e.type),
      ["start", "stanza", "stanza"],
    );
  });

  void it("decodes character references and the five predefined entities", () => {
    const events = run([
      HEADER + "<message><body a='&quot;&apos;'>&lt;&gt;&amp;&#65;&#x263A;</body></message>",
    ]);
    const stanza = events.find((e) => e.type === "stanza");
    assert.equal(
      stanza?.type === "stanza" && stanza.xml,
      '<message xmlns="jabber:client"><body a="&quot;&apos;">&lt;&gt;&amp;A☺</body></message>',
    );
  });

  void it("keeps CDATA content as text", () => {
    const [message] = stanzas(HEADER + "<message><body>a<![CDATA[<b> & c]]>d</body></message>");
    assert.equal(message?.getChildText("body"), "a<b> & cd");
  });

  void it("reports </stream:stream> and ignores what follows it", () => {
    const events = run([HEADER + "<presence/></stream:stream>", "<presence/>junk"]);
    assert.deepEqual(
      events.map((e) => e.type),
      ["start", "stanza", "end"],
    );
  });
});

void describe("stream parser: namespaces", () => {
  void it("re-declares prefixes bound on the header so the stanza stands alone", () => {
    const header =
      "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' " +
      "xmlns:db='jabber:server:dialback' xmlns:x='urn:example:x' version='1.0'>";
    const stanza =
      "<db:result from='a.example' to='b.example'>key</db:result>" +
      "<message><body x:mark='1'>hi</body><e xmlns='urn:example:e' xmlns:p='urn:example:p'><p:f><g/></p:f></e></message>";
    const events = run([header + stanza]);
    const xml = events.flatMap((e) => (e.type === "stanza" ? [e.xml] : []));
    assert.deepEqual(xml, [
      '<db:result xmlns="jabber:server:dialback" from="a.example" to="b.example" xmlns:db="jabber:server:dialback">key</db:result>',
      '<message xmlns="jabber:server" xmlns:x="urn:example:x"><body x:mark="1">hi</body>' +
        '<e xmlns="urn:example:e" xmlns:p="urn:example:p"><p:f><g/></p:f></e></message>',
    ]);
    // Read standalone, every name means what it meant inside the stream.
    assert.deepEqual(expandedNames(xml[1] ?? ""), [
      "{jabber:server}message",
      "{jabber:server}body",
      "@{urn:example:x}mark=1",
      "{urn:example:e}e",
      "{urn:example:p}f",
      "{urn:example:e}g",
    ]);
    assert.deepEqual(expandedNames(xml[0] ?? ""), [
      "{jabber:server:dialback}result",
      "@{}from=a.example",
      "@{}to=b.example",
    ]);
  });

  void it("keeps stream-prefixed elements meaningful, and their unprefixed children in their own namespace", () => {
    const [features] = stanzas(
      HEADER +
        "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls><plain/></stream:features>",
    );
    assert.ok(features !== undefined);
    assert.equal(features.name, "stream:features");
    assert.equal(features.xmlns, NS_STREAMS);
    assert.deepEqual(expandedNames(serialize(features)), [
      `{${NS_STREAMS}}features`,
      "{urn:ietf:params:xml:ns:xmpp-tls}starttls",
      "{urn:ietf:params:xml:ns:xmpp-tls}required",
      "{jabber:client}plain",
    ]);
  });

  void it("round-trips a stanza through serialize and a second parse unchanged", () => {
    const input =
      "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>r&amp;d</resource></bind></iq>";
    const first = run([HEADER + input]).find((e) => e.type === "stanza");
    assert.ok(first?.type === "stanza");
    const second = run([HEADER + first.xml]).find((e) => e.type === "stanza");
    assert.ok(second?.type === "stanza");
    assert.equal(second.xml, first.xml);
  });
});

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

void describe("stream parser: restarts and end of input", () => {
  void it("starts a fresh document on reset() and drops bytes sent before it in the same chunk", () => {
    const events: string[] = [];
    const parser = createStreamParser({
      onStreamStart: () => events.push("start"),
      onStanza: (el) => {
        events.push(el.name);
        // What a session does on <starttls/>: answer <proceed/>, then restart the stream for TLS.
        if (el.name === "starttls") parser.reset();
      },
      onStreamEnd: () => events.push("end"),
      onError: (err) => events.push(err.condition),
    });
    // An attacker's plaintext <iq/> rides along with <starttls/> (RFC 6120 §5.3.1, CVE-2011-1431).
    parser.write(HEADER + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><iq type='set' id='evil'/>");
    // After the handshake the client opens a new stream, XML declaration and all.
    parser.write(HEADER + "<iq type='get' id='good'/>");
    assert.deepEqual(events, ["start", "starttls", "start", "iq"]);
  });

  void it("reset() between writes also discards a partial stanza and a half-received character", () => {
    const { parser, events } = recorder();
    parser.write(HEADER + "<message><body>");
    parser.write(Buffer.from([0xe2, 0x9c])); // the first two bytes of "✓"
    parser.reset();
    parser.write(HEADER + "<presence/>");
    assert.deepEqual(
      events.map((e) => e.type),
      ["start", "start", "stanza"],
    );
  });

  void it("end() between stanzas is quiet; inside a stanza or a character it is not-well-formed", () => {
    const check = (chunks: (string | Buffer)[]) => {
      const { parser, events } = recorder();
      for (const c of chunks) parser.write(c);
      parser.end();
      const error = events.find((e) => e.type === "error");
      return error?.type === "error" ? error.condition : undefined;
    };
    assert.equal(check([HEADER + "<presence/> "]), undefined);
    assert.equal(check([]), undefined);
    assert.equal(check([HEADER + "<message><body>"]), "not-well-formed");
    assert.equal(check([HEADER + "<pres"]), "not-well-formed");
    assert.equal(check(["<stream:str"]), "not-well-formed");
    assert.equal(check([HEADER, Buffer.from([0xf0, 0x9f])]), "not-well-formed");
  });
});

void describe("stream parser: throughput", () => {
  void it("parses 10k small stanzas, in one write and in many", () => {
    const stanza = "<message to='a@b' id='x'><body>hello</body></message>";
    let count = 0;
    const counter = () =>
      createStreamParser({
        onStreamStart: () => {},
        onStanza: () => count++,
        onStreamEnd: () => {},
        onError: (err) => assert.fail(err.text),
      });
    counter().write(HEADER + stanza.repeat(10_000));
    assert.equal(count, 10_000);
    const many = counter();
    many.write(HEADER);
    const bytes = Buffer.from(stanza);
    for (let i = 0; i < 10_000; i++) many.write(bytes);
    assert.equal(count, 20_000);
  });
});

void describe("streamError", () => {
  void it("builds a standalone <stream:error/> with condition and text", () => {
    assert.equal(
      serialize(streamError("policy-violation", "too big")),
      `<stream:error xmlns:stream="${NS_STREAMS}"><policy-violation xmlns="${NS_XMPP_STREAMS}"/>` +
        `<text xmlns="${NS_XMPP_STREAMS}">too big</text></stream:error>`,
    );
    assert.equal(
      serialize(streamError("conflict")),
      `<stream:error xmlns:stream="${NS_STREAMS}"><conflict xmlns="${NS_XMPP_STREAMS}"/></stream:error>`,
    );
  });
});
