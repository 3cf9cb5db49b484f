// The TCP stream parser (RFC 6120 §4, §11): stanzas out of a byte stream cut anywhere, namespaces
// that survive serialisation, stream restarts and the end of input.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serialize } from "../../src/xml/element.ts";
import { NS_STREAMS, NS_XMPP_STREAMS, streamError } from "../../src/xml/stream-errors.ts";
import { createStreamParser } from "../../src/xml/stream-parser.ts";
import { HEADER, expandedNames, recorder, run, stanzas } from "../helpers/stream-recorder.ts";

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
