// XEP-0198 resumption inline in SASL2 (XEP-0388), end to end with raw clients on SQLite and
// PostgreSQL (FAST tokens live in the store): a <resume/> in <authenticate/> authenticates and
// resumes in one round trip; another account's id or an unknown one fails inside <success/>, and a
// <bind/> beside it then binds a fresh session; a FAST token login resumes too (Monal's reconnect).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { onEachStorage } from "../helpers/chat-stores.ts";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { authenticate, htProof as ht, plainResponse } from "../helpers/sasl2-client.ts";

const SM = "urn:xmpp:sm:3";
const USERS = {
  "alice@localhost": "alice-pw",
  "bob@localhost": "bob-pw",
  "carol@localhost": "carol-pw",
  "dave@localhost": "dave-pw",
  "eve@localhost": "eve-pw",
};
const b64 = (s: string | Buffer): string => Buffer.from(s).toString("base64");
const plain = (user: string): string => plainResponse(user, `${user}-pw`);
const BIND_SM = `<bind xmlns='urn:xmpp:bind:0'><tag>App</tag><enable xmlns='${SM}' resume='true'/></bind>`;

function suite(storage: () => Record<string, unknown>, cleanup: () => Promise<void> = async () => {}): void {
  let api: TestAuthApi;
  let server: TestServer;
  const open: RawClient[] = [];

  before(async () => {
    api = await startAuthApi(USERS);
    server = await startServer({
      certificate: TEST_CERT,
      key: TEST_KEY,
      ...storage(),
      limit_auth_max: 0,
      hosts: {
        localhost: { http_auth_url: api.url, c2s_sasl2: true, sasl2_fast: true, smacks_hibernation_time: 60 },
      },
    });
  });
  after(async () => {
    for (const c of open) c.destroy();
    await server.stop();
    await api.close();
    await cleanup();
  });

  const sessionOf = (full: string) => {
    const [bare = "", resource = ""] = full.split(/\/(.*)/s);
    return server.server.ctx.sessions.get(bare, resource)?.local;
  };

  async function hibernating(full: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (sessionOf(full)?.hibernating !== true) {
      if (Date.now() > deadline) throw new Error(`${full} does not hibernate`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async function connected(): Promise<RawClient> {
    const c = await RawClient.connect(server.tlsPort, { tls: true });
    open.push(c);
    c.open();
    await c.waitFor("</stream:features>");
    return c;
  }

  /** Logged in with SASL2 + Bind2, stream management enabled inline with resumption. */
  async function resumable(
    user: string,
    extra = "",
  ): Promise<{ c: RawClient; id: string; jid: string; out: string }> {
    const c = await connected();
    const out = await authenticate(c, plain(user) + extra + BIND_SM);
    const id = /<enabled xmlns="urn:xmpp:sm:3" id="([^"]+)"/.exec(out)?.[1];
    const jid = /<authorization-identifier>([^<]+)<\/authorization-identifier>/.exec(out)?.[1];
    assert.ok(id !== undefined && jid !== undefined, out);
    return { c, id, jid, out };
  }

  /** Acknowledges `h` of the server's stanzas and waits until the server has taken it in. */
  async function ack(c: RawClient, h: number): Promise<void> {
    const mark = c.received.length;
    c.write(`<a xmlns='${SM}' h='${h}'/><r xmlns='${SM}'/>`);
    await c.waitFor(/<a xmlns="urn:xmpp:sm:3" h="\d+"\/>/, 5000, mark);
  }

  /** Waits until the server has handled `h` stanzas of this client (so they were routed). */
  async function handled(c: RawClient, h: number): Promise<void> {
    const mark = c.received.length;
    c.write(`<r xmlns='${SM}'/>`);
    await c.waitFor(`<a xmlns="urn:xmpp:sm:3" h="${h}"/>`, 5000, mark);
  }

  test("<sm/> is listed in <authentication><inline/>", async () => {
    const c = await connected();
    assert.match(
      c.received,
      /<authentication xmlns="urn:xmpp:sasl:2">[\s\S]*<inline><sm xmlns="urn:xmpp:sm:3"\/>/,
    );
  });

  test("inline resume after the transport was cut: one round trip, h values kept, stanzas sent meanwhile delivered", async () => {
    const { c: alice, id, jid } = await resumable("alice");
    const { c: bob, jid: bobJid } = await resumable("bob");
    bob.write(`<message to='${jid}' type='chat' id='m1'><body>one</body></message>`);
    await alice.waitFor("<body>one</body>");
    // Alice sends one stanza (our h for her becomes 1) and acknowledges the one she got.
    alice.write(`<message to='${bobJid}' type='chat' id='a1'><body>hi bob</body></message>`);
    await bob.waitFor("<body>hi bob</body>");
    await ack(alice, 1);
    const before = sessionOf(jid);
    alice.destroy();
    await hibernating(jid);
    bob.write(`<message to='${jid}' type='chat' id='m2'><body>two</body></message>`);
    await handled(bob, 2);

    const back = await connected();
    // A <bind/> beside a successful <resume/> is ignored (XEP-0386 §2.2: the session is bound).
    const out = await authenticate(
      back,
      plain("alice") + `<resume xmlns='${SM}' previd='${id}' h='1'/>` + BIND_SM,
    );
    assert.match(out, new RegExp(`<resumed xmlns="${SM}" previd="${id}" h="1"/>`));
    assert.match(out, new RegExp(`<authorization-identifier>${jid}</authorization-identifier>`));
    assert.doesNotMatch(out, /<bound/);
    // Only what was not acknowledged comes again, with its first sending time.
    await back.waitFor("<body>two</body>");
    assert.ok(!back.received.includes("<body>one</body>"), back.received);
    assert.match(back.received, /<delay xmlns="urn:xmpp:delay"/);
    // The stream is the old session (same object, same full JID), with no new stream features.
    assert.equal(sessionOf(jid), before);
    assert.equal(sessionOf(jid)?.hibernating, false);
    const afterSuccess = back.received.slice(back.received.indexOf("</success>"));
    assert.ok(!afterSuccess.includes("<stream:features>"), afterSuccess);
    const mark = bob.received.length;
    back.write(`<message to='${bobJid}' type='chat' id='a2'><body>back again</body></message>`);
    await bob.waitFor("<body>back again</body>", 5000, mark);
    // Our count of her stanzas went on from 1.
    const markA = back.received.length;
    back.write(`<r xmlns='${SM}'/>`);
    assert.match(await back.waitFor(/<a xmlns="urn:xmpp:sm:3" h="\d+"\/>/, 5000, markA), /h="2"/);
  });

  test("resuming inline while the old connection is still open closes it; an h beyond what was sent ends the session", async () => {
    const { c: old, id, jid } = await resumable("bob");
    const before = sessionOf(jid);
    const fresh = await connected();
    const out = await authenticate(fresh, plain("bob") + `<resume xmlns='${SM}' previd='${id}' h='0'/>`);
    assert.match(out, new RegExp(`<resumed xmlns="${SM}" previd="${id}" h="0"/>`));
    await old.waitClosed();
    assert.equal(sessionOf(jid), before);
    assert.equal(before?.isOpen, true);
    // The client claims stanzas we never sent: refused, and that session cannot go on (XEP-0198 §4).
    const liar = await connected();
    const refused = await authenticate(liar, plain("bob") + `<resume xmlns='${SM}' previd='${id}' h='99'/>`);
    assert.match(
      refused,
      /<success xmlns="urn:xmpp:sasl:2">[\s\S]*<failed xmlns="urn:xmpp:sm:3"><undefined-condition/,
    );
    await fresh.waitClosed();
    assert.equal(before?.isOpen, false);
  });

  test("a previd of another account fails with item-not-found; that session is untouched", async () => {
    const { c: carol, id, jid } = await resumable("carol");
    const before = sessionOf(jid);
    const eve = await connected();
    const out = await authenticate(eve, plain("eve") + `<resume xmlns='${SM}' previd='${id}' h='0'/>`);
    assert.match(out, /<success xmlns="urn:xmpp:sasl:2">/);
    // No h: what another account's session handled is not told.
    assert.match(
      out,
      /<failed xmlns="urn:xmpp:sm:3"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"\/><\/failed>/,
    );
    assert.match(out, /<authorization-identifier>eve@localhost<\/authorization-identifier>/);
    // Eve goes on as a fresh login: features offering resource binding.
    await eve.waitFor(/<stream:features><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"\/>/);
    // Carol's session is the same, still on her connection, and still answers.
    assert.equal(sessionOf(jid), before);
    assert.equal(before?.isOpen, true);
    assert.equal(before?.hibernating, false);
    const mark = carol.received.length;
    carol.write(`<r xmlns='${SM}'/>`);
    await carol.waitFor(/<a xmlns="urn:xmpp:sm:3" h="0"\/>/, 5000, mark);
    assert.equal(carol.closed, false);
    // Hibernating, it cannot be taken either.
    carol.destroy();
    await hibernating(jid);
    const again = await connected();
    assert.match(
      await authenticate(again, plain("eve") + `<resume xmlns='${SM}' previd='${id}' h='0'/>`),
      /<failed xmlns="urn:xmpp:sm:3"><item-not-found/,
    );
    assert.equal(sessionOf(jid), before);
    assert.equal(before?.hibernating, true);
  });

  test("an unknown previd with <bind/> in the same <authenticate/>: failed, then bound as a fresh login", async () => {
    const c = await connected();
    const out = await authenticate(
      c,
      plain("dave") + `<resume xmlns='${SM}' previd='no-such-id' h='3'/>` + BIND_SM,
    );
    assert.match(
      out,
      /<failed xmlns="urn:xmpp:sm:3"><item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"\/><\/failed><bound xmlns="urn:xmpp:bind:0"><enabled xmlns="urn:xmpp:sm:3" id="[^"]+" resume="true"/,
    );
    const jid = /<authorization-identifier>([^<]+)<\/authorization-identifier>/.exec(out)?.[1] ?? "";
    assert.match(jid, /^dave@localhost\/App\//);
    await c.waitFor(/<stream:features><ver xmlns="urn:xmpp:features:rosterver"\/>/);
    assert.equal(sessionOf(jid)?.isOpen, true);
  });

  test("FAST token login with inline resume: no password, no check_password, the session resumed", async () => {
    const agent = "5f1d6c1e-resume-agent";
    const first = await resumable(
      "alice",
      `<user-agent id='${agent}'/><request-token xmlns='urn:xmpp:fast:0' mechanism='HT-SHA-256-NONE'/>`,
    );
    const token = /<token xmlns="urn:xmpp:fast:0" expiry="[^"]+" token="([^"]+)"\/>/.exec(first.out)?.[1];
    assert.ok(token !== undefined, first.out);
    const { c: bob } = await resumable("bob");
    first.c.destroy();
    await hibernating(first.jid);
    bob.write(`<message to='${first.jid}' type='chat' id='f1'><body>while away</body></message>`);
    await handled(bob, 1);

    const since = api.requests.length;
    const back = await connected();
    const message = Buffer.concat([Buffer.from("alice\0"), ht(token, "Initiator")]);
    const out = await authenticate(
      back,
      `<initial-response>${b64(message)}</initial-response><user-agent id='${agent}'/>` +
        `<fast xmlns='urn:xmpp:fast:0' count='1'/><resume xmlns='${SM}' previd='${first.id}' h='0'/>`,
      "HT-SHA-256-NONE",
    );
    assert.match(out, new RegExp(`<resumed xmlns="${SM}" previd="${first.id}" h="0"/>`));
    assert.match(out, new RegExp(`<authorization-identifier>${first.jid}</authorization-identifier>`));
    const data = /<additional-data>([^<]*)<\/additional-data>/.exec(out)?.[1] ?? "";
    assert.deepEqual(Buffer.from(data, "base64"), ht(token, "Responder"));
    await back.waitFor("<body>while away</body>");
    assert.equal(
      api.requests.slice(since).filter((r) => r.path.endsWith("/check_password")).length,
      0,
      "a FAST login never asks for the password",
    );
    assert.equal(sessionOf(first.jid)?.hibernating, false);
  });
}

onEachStorage("SASL2 inline stream resumption", suite);
