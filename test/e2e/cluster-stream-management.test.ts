// XEP-0198 in a cluster of two nodes (one PostgreSQL schema, one Redis prefix): a message from a user
// on the other node reaches a hibernating session through its handle and is kept; a resume sent to
// the other node fails with item-not-found (ids name sessions of their own node); a resume on the
// session's node replays the message. The same with the resume inline in SASL2 (XEP-0388).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import type { TestServer } from "../helpers/xmpp-server.ts";
import { dropSchema, pgSkip, uniqueSchema } from "../helpers/postgres.ts";
import { REDIS_URL, dropPrefix, redisSkip, uniquePrefix } from "../helpers/redis.ts";
import { startNode, type ClusterSetup } from "../helpers/cluster.ts";
import { NS_SM, authenticated, resumable } from "../helpers/sm-client.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { authenticate, plainResponse } from "../helpers/sasl2-client.ts";

const skip = pgSkip !== false ? pgSkip : redisSkip;
let api: TestAuthApi;
let setup: ClusterSetup;
const nodes: TestServer[] = [];
const clients: RawClient[] = [];

before(async () => {
  if (skip !== false) return;
  api = await startAuthApi({ "alice@localhost": "alice-pw", "bob@localhost": "bob-pw" });
  setup = { schema: uniqueSchema("xha_sm"), prefix: uniquePrefix(), redis: REDIS_URL, authUrl: api.url };
  const hosts = { localhost: { http_auth_url: api.url, c2s_sasl2: true } };
  for (const name of ["n1", "n2"]) nodes.push(await startNode(setup, name, { hosts }));
});

after(async () => {
  if (skip !== false) return;
  for (const c of clients) c.destroy();
  for (const n of nodes) await n.stop();
  await api.close();
  await dropSchema(setup.schema);
  await dropPrefix(setup.prefix);
});

const node = (i: number) => nodes[i] as TestServer;

async function until(what: string, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test(
  "a hibernating session gets messages from another node; it resumes on its own node only",
  { skip },
  async () => {
    const { c: alice, id } = await resumable(node(0).tlsPort, "alice", "phone");
    clients.push(alice);
    await until(
      "n2 sees alice",
      () => node(1).server.ctx.sessions.get("alice@localhost", "phone") !== undefined,
    );
    alice.destroy();
    await until(
      "alice hibernates on n1",
      () => node(0).server.ctx.sessions.get("alice@localhost", "phone")?.local?.hibernating === true,
    );
    const { c: bob } = await resumable(node(1).tlsPort, "bob", "desk");
    clients.push(bob);
    bob.write("<message to='alice@localhost/phone' type='chat'><body>across</body></message>");
    const elsewhere = await authenticated(node(1).tlsPort, "alice");
    clients.push(elsewhere.c);
    elsewhere.c.write(`<resume xmlns='${NS_SM}' previd='${id}' h='0'/>`);
    await elsewhere.c.waitFor(/<failed xmlns=["']urn:xmpp:sm:3["']><item-not-found/);
    const home = await authenticated(node(0).tlsPort, "alice");
    clients.push(home.c);
    home.c.write(`<resume xmlns='${NS_SM}' previd='${id}' h='0'/>`);
    await home.c.waitFor("<resumed");
    await home.c.waitFor("<body>across</body>");
  },
);

/** A SASL2 <authenticate/> (PLAIN) on a new connection to `port`; returns the client and the outcome. */
async function sasl2(port: number, user: string, inner: string): Promise<{ c: RawClient; out: string }> {
  const c = await RawClient.connect(port, { tls: true });
  clients.push(c);
  c.open();
  await c.waitFor("</stream:features>");
  return { c, out: await authenticate(c, plainResponse(user, `${user}-pw`) + inner) };
}

test(
  "inline in SASL2: a resume reaching another node fails with item-not-found and binds there",
  { skip },
  async () => {
    const bindSm = `<bind xmlns='urn:xmpp:bind:0'><tag>Cluster</tag><enable xmlns='${NS_SM}' resume='true'/></bind>`;
    const first = await sasl2(node(0).tlsPort, "alice", bindSm);
    const id = /<enabled xmlns="urn:xmpp:sm:3" id="([^"]+)"/.exec(first.out)?.[1] ?? "";
    const jid =
      /<authorization-identifier>[^/]+\/([^<]+)<\/authorization-identifier>/.exec(first.out)?.[1] ?? "";
    assert.ok(id !== "" && jid !== "", first.out);
    first.c.destroy();
    await until(
      "alice hibernates on n1",
      () => node(0).server.ctx.sessions.get("alice@localhost", jid)?.local?.hibernating === true,
    );
    const resume = `<resume xmlns='${NS_SM}' previd='${id}' h='0'/>`;
    const elsewhere = await sasl2(node(1).tlsPort, "alice", resume + bindSm);
    assert.match(
      elsewhere.out,
      /<failed xmlns="urn:xmpp:sm:3"><item-not-found[\s\S]*<bound xmlns="urn:xmpp:bind:0">/,
    );
    assert.equal(node(0).server.ctx.sessions.get("alice@localhost", jid)?.local?.hibernating, true);
    const home = await sasl2(node(0).tlsPort, "alice", resume);
    assert.match(home.out, new RegExp(`<resumed xmlns="${NS_SM}" previd="${id}" h="0"/>`));
  },
);
