// Stream negotiation and bad input over raw sockets: each violation gets its precise error, and a
// healthy session on the same server never notices.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";

let api: TestAuthApi;
let srv: TestServer;
let healthy: RawClient;

const plain = (u: string, p: string, z = "") => Buffer.from(`${z}\0${u}\0${p}`).toString("base64");

before(async () => {
  api = await startAuthApi({ "alice@localhost": "wonderland" });
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    c2s_stanza_size_limit: 4096,
    hosts: { localhost: { http_auth_url: api.url } },
  });
  healthy = await RawClient.connect(srv.tlsPort, { tls: true });
  healthy.open();
  await healthy.waitFor("</stream:features>");
  await healthy.login("alice", "wonderland", "localhost", "healthy");
});

after(async () => {
  healthy.destroy();
  await srv.stop();
  await api.close();
});

async function healthyStillServes(): Promise<void> {
  const id = `p${Math.random().toString(36).slice(2)}`;
  healthy.write(`<iq type='get' id='${id}' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>`);
  await healthy.waitFor(
    new RegExp(`<iq[^>]*id="${id}"[^>]*type="result"|<iq[^>]*type="result"[^>]*id="${id}"`),
  );
}

async function streamErrorFor(input: string, opts: { open?: boolean } = {}): Promise<string> {
  const c = await RawClient.connect(srv.port);
  if (opts.open !== false) {
    c.open();
    await c.waitFor("</stream:features>");
  }
  c.write(input);
  const err = await c.waitFor(/<stream:error[\s\S]*?<\/stream:error>/);
  await c.waitClosed();
  const condition = /<([a-z-]+) xmlns="urn:ietf:params:xml:ns:xmpp-streams"/.exec(err)?.[1];
  return condition ?? err;
}

test("features: STARTTLS required first, no PLAIN in clear text", async () => {
  const c = await RawClient.connect(srv.port);
  c.open();
  const features = await c.waitFor(/<stream:features>[\s\S]*<\/stream:features>/);
  assert.match(features, /<starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"><required\/><\/starttls>/);
  assert.doesNotMatch(features, /PLAIN/);
  c.write(
    `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain("alice", "wonderland")}</auth>`,
  );
  await c.waitFor("<encryption-required/>");
  const before = api.requests.length;
  await c.starttls();
  assert.match(c.received, /<mechanism>PLAIN<\/mechanism>/);
  assert.doesNotMatch(c.received, /starttls/);
  assert.equal(api.requests.length, before, "nothing was sent to the API before TLS");
  c.destroy();
});

test("SASL: empty password is malformed-request with no HTTP call; authzid of another user is refused", async () => {
  const c = await RawClient.connect(srv.tlsPort, { tls: true });
  c.open();
  await c.waitFor("</stream:features>");
  const before = api.requests.length;
  c.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain("alice", "")}</auth>`);
  await c.waitFor("<malformed-request/>");
  assert.equal(api.requests.length, before);
  c.write(
    `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain("alice", "wonderland", "bob@localhost")}</auth>`,
  );
  await c.waitFor("<invalid-authzid/>");
  c.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>not base64!</auth>`);
  await c.waitFor("<incorrect-encoding/>");
  // The third failure on this connection closes it (sasl_max_failures = 3).
  assert.equal(
    /<([a-z-]+) xmlns="urn:ietf:params:xml:ns:xmpp-streams"/.exec(
      await c.waitFor(/<stream:error[\s\S]*?<\/stream:error>/),
    )?.[1],
    "policy-violation",
  );
  await c.waitClosed();
});

test("SASL PLAIN without an initial response gets an empty challenge", async () => {
  const c = await RawClient.connect(srv.tlsPort, { tls: true });
  c.open();
  await c.waitFor("</stream:features>");
  c.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'/>`);
  await c.waitFor(/<challenge xmlns="urn:ietf:params:xml:ns:xmpp-sasl"\/>/);
  c.write(`<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>${plain("alice", "wonderland")}</response>`);
  await c.waitFor("<success");
  c.destroy();
});

test("a second session with the same full JID replaces the first with conflict", async () => {
  const first = await RawClient.connect(srv.tlsPort, { tls: true });
  first.open();
  await first.waitFor("</stream:features>");
  assert.equal(await first.login("alice", "wonderland", "localhost", "phone"), "alice@localhost/phone");
  const second = await RawClient.connect(srv.tlsPort, { tls: true });
  second.open();
  await second.waitFor("</stream:features>");
  assert.equal(await second.login("alice", "wonderland", "localhost", "phone"), "alice@localhost/phone");
  await first.waitFor(/<conflict xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>/);
  await first.waitClosed();
  second.destroy();
});

test("stanzas before authentication close the stream with not-authorized", async () => {
  assert.equal(
    await streamErrorFor("<message to='alice@localhost'><body>hi</body></message>"),
    "not-authorized",
  );
});

for (const [name, input, condition] of [
  ["a DOCTYPE", "<!DOCTYPE foo [<!ENTITY x 'y'>]><foo/>", "restricted-xml"],
  ["a comment", "<!-- hello -->", "restricted-xml"],
  ["a processing instruction", "<?evil instruction?>", "restricted-xml"],
  ["an unbound prefix", "<foo:bar/>", "not-well-formed"],
  ["junk", "<<<>>>", "not-well-formed"],
  ["a mismatched end tag", "<iq type='get' id='1'></message>", "not-well-formed"],
  ["an oversized stanza", `<message><body>${"x".repeat(10_000)}</body></message>`, "policy-violation"],
] as const) {
  test(`${name} gets ${condition}, and other sessions keep working`, async () => {
    assert.equal(await streamErrorFor(input), condition);
    await healthyStillServes();
  });
}

test("an unknown host gets host-unknown; a wrong namespace invalid-namespace", async () => {
  assert.equal(
    await streamErrorFor(
      "<?xml version='1.0'?><stream:stream to='nowhere.example' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
      { open: false },
    ),
    "host-unknown",
  );
  assert.equal(
    await streamErrorFor(
      "<stream:stream to='localhost' version='1.0' xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>",
      { open: false },
    ),
    "invalid-namespace",
  );
  await healthyStillServes();
});

test("invalid UTF-8 is not-well-formed", async () => {
  const c = await RawClient.connect(srv.port);
  c.open();
  await c.waitFor("</stream:features>");
  c.write(Buffer.from([0x3c, 0x61, 0xff, 0xfe, 0x3e]));
  await c.waitFor(/<not-well-formed xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>/);
  await c.waitClosed();
});

test("the client closing its stream gets our closing tag back (RFC 6120 §4.4)", async () => {
  const c = await RawClient.connect(srv.port);
  c.open();
  await c.waitFor("</stream:features>");
  c.write("</stream:stream>");
  await c.waitFor("</stream:stream>");
  await c.waitClosed();
});

test("an IQ to the server with an unknown payload gets service-unavailable; a malformed IQ bad-request", async () => {
  healthy.write("<iq type='get' id='u1' to='localhost'><query xmlns='urn:example:unknown'/></iq>");
  await healthy.waitFor(/id="u1"[^>]*>.*?<service-unavailable/);
  healthy.write("<iq type='get' id='u2' to='localhost'><a xmlns='x'/><b xmlns='y'/></iq>");
  await healthy.waitFor(/id="u2"[^>]*>.*?<bad-request/);
  healthy.write(
    "<iq type='get' id='u3' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>",
  );
  const disco = await healthy.waitFor(/<iq[^>]*id="u3"[\s\S]*?<\/iq>/);
  assert.match(disco, /<identity category="server" type="im"/);
  assert.match(disco, /<feature var="urn:xmpp:ping"\/>/);
});

test("each stream restart gets a new stream id (RFC 6120 §4.3.3)", async () => {
  const c = await RawClient.connect(srv.port);
  c.open();
  await c.waitFor("</stream:features>");
  const first = /<stream:stream [^>]*id="([^"]+)"/.exec(c.received)?.[1];
  await c.starttls();
  const second = /<stream:stream [^>]*id="([^"]+)"/.exec(c.received)?.[1];
  assert.ok(first !== undefined && second !== undefined);
  assert.notEqual(first, second);
  c.destroy();
});
