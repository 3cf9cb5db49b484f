// End to end, XEP-0198 stream management over TCP (direct TLS) and WebSocket with raw clients: the
// <sm/> feature, enable, ack counts, hibernation on a dropped connection, resume with replay, a
// resume after expiry, the queue limit, and what happens to unacknowledged stanzas when a session
// ends for good (offline storage, or an error to the sender).
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { WsRawClient } from "../helpers/ws-client.ts";
import { authenticated as smAuthenticated, resumable as smResumable } from "../helpers/sm-client.ts";

const USERS = {
  "alice@localhost": "alice-pw",
  "bob@localhost": "bob-pw",
  "carol@localhost": "carol-pw",
  "dave@localhost": "dave-pw",
  "erin@localhost": "erin-pw",
  "frank@localhost": "frank-pw",
  "gina@localhost": "gina-pw",
};
const SM = "urn:xmpp:sm:3";

let api: TestAuthApi;
let server: TestServer;
const open: { destroy(): void }[] = [];

before(async () => {
  api = await startAuthApi(USERS);
  server = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    https_ports: [0],
    hosts: {
      localhost: {
        http_auth_url: api.url,
        smacks_hibernation_time: 1,
        smacks_max_queue_size: 3,
        smacks_max_unacked_stanzas: 100,
      },
    },
  });
});
after(async () => {
  for (const c of open) c.destroy();
  await server.stop();
  await api.close();
});

async function authenticated(user: string): Promise<{ c: RawClient; features: string }> {
  const r = await smAuthenticated(server.tlsPort, user);
  open.push(r.c);
  return r;
}

async function resumable(user: string, resource: string): Promise<{ c: RawClient; id: string }> {
  const r = await smResumable(server.tlsPort, user, resource);
  open.push(r.c);
  return r;
}

const sessionOf = (bare: string, resource: string) => server.server.ctx.sessions.get(bare, resource);

/** Waits (on the server's own state) until a full JID has no session. */
async function gone(bare: string, resource: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (sessionOf(bare, resource) !== undefined) {
    if (Date.now() > deadline) throw new Error(`${bare}/${resource} is still bound`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function hibernating(bare: string, resource: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (sessionOf(bare, resource)?.local?.hibernating !== true) {
    if (Date.now() > deadline) throw new Error(`${bare}/${resource} does not hibernate`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("XEP-0198 over TCP", () => {
  test("<sm/> is offered after authentication only, and enable answers with an id and max", async () => {
    const pre = await RawClient.connect(server.tlsPort, { tls: true });
    open.push(pre);
    pre.open();
    const before = await pre.waitFor("</stream:features>");
    assert.ok(!before.includes(SM) && !pre.received.includes(SM));
    const { features } = await authenticated("alice");
    assert.match(features, /<sm xmlns=["']urn:xmpp:sm:3["']\/>/);
    const { c } = await resumable("alice", "feat");
    assert.match(c.received, /<enabled [^>]*resume=["']true["']/);
    assert.match(c.received, /max=["']1["']/);
  });

  test("enable before bind and a second enable are unexpected-request", async () => {
    const { c } = await authenticated("alice");
    c.write(`<enable xmlns='${SM}'/>`);
    await c.waitFor(/<failed xmlns=["']urn:xmpp:sm:3["']><unexpected-request/);
    const { c: d } = await resumable("alice", "twice");
    const mark = d.received.length;
    d.write(`<enable xmlns='${SM}'/>`);
    await d.waitFor(/<failed [^>]*><unexpected-request/, 5000, mark);
  });

  test("<r/> is answered with the count of handled stanzas, and the server's <r/> with ours", async () => {
    const { c } = await resumable("alice", "acks");
    c.write("<iq type='get' id='p1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>");
    c.write("<iq type='get' id='p2' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>");
    c.write(`<r xmlns='${SM}'/>`);
    await c.waitFor(/<a xmlns=["']urn:xmpp:sm:3["'] h=["']2["']\/>/);
    // Two results sent to us: acknowledging both is fine, three is a protocol violation.
    c.write(`<a xmlns='${SM}' h='2'/>`);
    c.write(`<a xmlns='${SM}' h='3'/>`);
    await c.waitFor("<undefined-condition");
    await c.waitClosed();
  });

  test("an <r/> without stream management enabled is ignored (as Prosody; slixmpp sends one)", async () => {
    const c = await RawClient.connect(server.tlsPort, { tls: true });
    open.push(c);
    c.open();
    await c.waitFor("</stream:features>");
    await c.login("alice", "alice-pw", "localhost", "nosm");
    c.write(`<r xmlns='${SM}'/>`);
    c.write("<iq type='get' id='after-r' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>");
    await c.waitFor(/<iq [^>]*id=["']after-r["']/);
    assert.ok(!c.received.includes("<a "));
  });

  test("a dropped session hibernates, keeps what is sent to it, and a resume replays it", async () => {
    const { c: alice, id } = await resumable("alice", "phone");
    const { c: bob } = await resumable("bob", "desk");
    bob.write("<message to='alice@localhost/phone' type='chat' id='m1'><body>one</body></message>");
    await alice.waitFor("<body>one</body>");
    alice.destroy();
    await hibernating("alice@localhost", "phone");
    bob.write("<message to='alice@localhost/phone' type='chat' id='m2'><body>two</body></message>");
    const { c: back, features } = await authenticated("alice");
    assert.match(features, /urn:xmpp:sm:3/);
    // h=0: the client saw nothing of ours, so both messages come again.
    back.write(`<resume xmlns='${SM}' previd='${id}' h='0'/>`);
    await back.waitFor(new RegExp(`<resumed xmlns=["']${SM}["'] previd=["']${id}["'] h=["']0["']/>`));
    await back.waitFor("<body>one</body>");
    await back.waitFor("<body>two</body>");
    assert.match(back.received, /<delay xmlns=["']urn:xmpp:delay["']/);
    // The resumed session is the same one: same full JID, stanzas flow both ways.
    const mark = bob.received.length;
    back.write("<message to='bob@localhost/desk' type='chat' id='m3'><body>three</body></message>");
    await bob.waitFor("<body>three</body>", 5000, mark);
    assert.equal(sessionOf("alice@localhost", "phone")?.local?.hibernating, false);
    // The client acknowledged one of the two: it gets the other again after the next resume.
    back.write(`<a xmlns='${SM}' h='1'/>`);
    back.write(`<r xmlns='${SM}'/>`);
    await back.waitFor(/<a xmlns=["']urn:xmpp:sm:3["'] h=["']1["']\/>/);
    back.destroy();
    await hibernating("alice@localhost", "phone");
    const { c: again } = await authenticated("alice");
    again.write(`<resume xmlns='${SM}' previd='${id}' h='1'/>`);
    await again.waitFor(/<resumed [^>]*h=["']1["']/);
    await again.waitFor("<body>two</body>");
    assert.ok(!again.received.includes("<body>one</body>"));
  });

  test("resuming while the old connection is still open closes it", async () => {
    const { c: old, id } = await resumable("carol", "laptop");
    const { c: fresh } = await authenticated("carol");
    fresh.write(`<resume xmlns='${SM}' previd='${id}' h='0'/>`);
    await fresh.waitFor("<resumed");
    await old.waitClosed();
    assert.equal(sessionOf("carol@localhost", "laptop")?.local?.isOpen, true);
  });

  test("another account cannot resume a session; an unknown id is item-not-found", async () => {
    const { id } = await resumable("dave", "tab");
    const { c } = await authenticated("erin");
    c.write(`<resume xmlns='${SM}' previd='${id}' h='0'/>`);
    await c.waitFor(/<failed xmlns=["']urn:xmpp:sm:3["']><item-not-found/);
    const { c: d } = await authenticated("dave");
    d.write(`<resume xmlns='${SM}' previd='nope' h='0'/>`);
    await d.waitFor("<item-not-found");
  });

  test("after hibernation expires: resume fails with h, unacked chat goes offline, IQs bounce", async () => {
    const { c: frank, id } = await resumable("frank", "mobile");
    const { c: bob } = await resumable("bob", "watch");
    frank.write(`<r xmlns='${SM}'/>`);
    await frank.waitFor(/<a [^>]*h=/);
    frank.destroy();
    await hibernating("frank@localhost", "mobile");
    bob.write("<message to='frank@localhost/mobile' type='chat' id='k1'><body>kept</body></message>");
    bob.write("<iq to='frank@localhost/mobile' type='get' id='q1'><query xmlns='jabber:iq:version'/></iq>");
    await gone("frank@localhost", "mobile");
    // The IQ's sender learns it will never be answered.
    await bob.waitFor(
      /<iq [^>]*id=["']q1["'][^>]*type=["']error["']|<iq [^>]*type=["']error["'][^>]*id=["']q1["']/,
    );
    assert.match(bob.received, /recipient-unavailable/);
    const { c: late } = await authenticated("frank");
    late.write(`<resume xmlns='${SM}' previd='${id}' h='0'/>`);
    await late.waitFor(/<failed xmlns=["']urn:xmpp:sm:3["'] h=["']0["']><item-not-found/);
    // The message waits in offline storage for the next available resource.
    const next = await RawClient.connect(server.tlsPort, { tls: true });
    open.push(next);
    next.open();
    await next.waitFor("</stream:features>");
    await next.login("frank", "frank-pw", "localhost", "mobile");
    next.write("<presence/>");
    await next.waitFor("<body>kept</body>");
  });

  test("a full queue ends the hibernating session; nothing is lost", async () => {
    const { c: gina } = await resumable("gina", "tablet");
    const { c: bob } = await resumable("bob", "pager");
    gina.destroy();
    await hibernating("gina@localhost", "tablet");
    for (let i = 1; i <= 4; i++)
      bob.write(`<message to='gina@localhost/tablet' type='chat'><body>q${i}</body></message>`);
    await gone("gina@localhost", "tablet");
    const next = await RawClient.connect(server.tlsPort, { tls: true });
    open.push(next);
    next.open();
    await next.waitFor("</stream:features>");
    await next.login("gina", "gina-pw", "localhost", "tablet2");
    next.write("<presence/>");
    for (let i = 1; i <= 4; i++) await next.waitFor(`<body>q${i}</body>`);
  });

  test("a hibernating session replaced by a new bind of its resource: its queue goes offline", async () => {
    const { c: alice } = await resumable("alice", "swap");
    const { c: bob } = await resumable("bob", "swapper");
    alice.destroy();
    await hibernating("alice@localhost", "swap");
    bob.write("<message to='alice@localhost/swap' type='chat'><body>swapped</body></message>");
    const next = await RawClient.connect(server.tlsPort, { tls: true });
    open.push(next);
    next.open();
    await next.waitFor("</stream:features>");
    await next.login("alice", "alice-pw", "localhost", "swap");
    next.write("<presence/>");
    await next.waitFor("<body>swapped</body>");
  });
});

describe("XEP-0198 metrics", () => {
  test("resumptions, refusals and hibernating sessions are counted", async () => {
    const { c } = await resumable("dave", "metrics");
    c.destroy();
    await hibernating("dave@localhost", "metrics");
    const text = await (await fetch(`https://localhost:${server.httpsPort}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1] ?? -1);
    assert.ok(value("xha_sm_resumed_total") >= 2, text);
    assert.ok(value("xha_sm_resume_failed_total") >= 1, text);
    assert.ok(value("xha_sm_hibernating_sessions") >= 1, text);
  });
});

describe("XEP-0198 over WebSocket", () => {
  test("enable, drop, resume with replay", async () => {
    const url = `wss://localhost:${server.httpsPort}/xmpp-websocket`;
    const ws = await WsRawClient.connect(url);
    open.push({ destroy: () => ws.terminate() });
    await ws.login("erin", "erin-pw", "web");
    const mark = ws.messages.length;
    ws.send(`<enable xmlns='${SM}' resume='true'/>`);
    const enabled = await ws.waitFor(/<enabled /, 5000, mark);
    const id = /id=["']([^"']+)["']/.exec(enabled)?.[1] ?? "";
    ws.terminate();
    await hibernating("erin@localhost", "web");
    const { c: bob } = await resumable("bob", "wsbob");
    bob.write("<message to='erin@localhost/web' type='chat'><body>over ws</body></message>");
    const back = await WsRawClient.connect(url);
    open.push({ destroy: () => back.terminate() });
    back.open();
    await back.waitFor("<stream:features");
    const plain = Buffer.from("\0erin\0erin-pw").toString("base64");
    back.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain}</auth>`);
    await back.waitFor("<success");
    const m2 = back.messages.length;
    back.open();
    await back.waitFor(/urn:xmpp:sm:3/, 5000, m2);
    back.send(`<resume xmlns='${SM}' previd='${id}' h='0'/>`);
    await back.waitFor("<resumed");
    await back.waitFor("<body>over ws</body>");
  });
});
