// End to end, a cluster under faults: a node killed with SIGKILL (its users shown offline within the
// lease bound, messages to them kept offline and delivered at the next login), Redis restarted
// mid-conversation (degraded /healthz, messages kept offline meanwhile and delivered on reconnection,
// logins refused once the lease has lapsed), and `serve --workers 2` serving logins on one port.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "smol-toml";
import { Redis } from "ioredis";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import type { TestServer } from "../helpers/xmpp-server.ts";
import { ChatClient, isPresence, xml, type XmlElement } from "../helpers/chat-client.ts";
import { dropSchema, pgSkip, uniqueSchema } from "../helpers/postgres.ts";
import { OwnRedis, REDIS_URL, dropPrefix, redisSkip, uniquePrefix } from "../helpers/redis.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { nodeConfig, startNode, type ClusterSetup } from "../helpers/cluster.ts";
import { freePort } from "../helpers/free-port.ts";

const ENTRY = fileURLToPath(new URL("../../src/cli/entry.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url));
const skip = pgSkip !== false ? pgSkip : redisSkip;
const LEASE = 2;
let api: TestAuthApi;
let dir: string;
const schemas: string[] = [];
const prefixes: string[] = [];
const cleanup: (() => Promise<void>)[] = [];

before(async () => {
  if (skip !== false) return;
  const users = ["alice", "bob", "carol", "dave", "u1", "u2", "u3", "u4"];
  api = await startAuthApi(Object.fromEntries(users.map((u) => [`${u}@localhost`, `${u}-pw`])));
  dir = mkdtempSync(join(tmpdir(), "xha-cluster-"));
});

after(async () => {
  if (skip !== false) return;
  for (const c of cleanup.reverse()) await c().catch(() => {});
  await api.close();
  for (const s of schemas) await dropSchema(s);
  for (const p of prefixes) await dropPrefix(p);
  rmSync(dir, { recursive: true, force: true });
});

function newSetup(redis = REDIS_URL): ClusterSetup {
  const setup = {
    schema: uniqueSchema("xha_cluster"),
    prefix: uniquePrefix(),
    redis,
    authUrl: api.url,
    cluster: { lease: LEASE },
  };
  schemas.push(setup.schema);
  if (redis === REDIS_URL) prefixes.push(setup.prefix);
  return setup;
}

async function end(...clients: ChatClient[]): Promise<void> {
  for (const c of clients) {
    (c.xmpp as unknown as { reconnect?: { stop(): void } }).reconnect?.stop();
    await c.stop();
  }
}

const chat = (to: string, body: string) => xml("message", { to, type: "chat" }, xml("body", {}, body));
const isBody = (body: string) => (s: XmlElement) => s.name === "message" && s.getChildText("body") === body;

async function online(port: number, user: string, resource?: string): Promise<ChatClient> {
  const c = await ChatClient.login(port, user, `${user}-pw`, resource);
  await c.iq(xml("iq", { type: "get" }, xml("query", { xmlns: "jabber:iq:roster" })));
  await c.send(xml("presence"));
  await c.waitFor(isPresence(c.jid), "own presence echoed");
  return c;
}

async function waitUntil(cond: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Makes a and b subscribed both ways (RFC 6121 §3), so each sees the other's presence. */
async function befriend(a: ChatClient, b: ChatClient): Promise<void> {
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    await x.send(xml("presence", { to: y.bare, type: "subscribe" }));
    await y.waitFor(
      (s) => s.name === "presence" && s.attrs.type === "subscribe" && s.attrs.from === x.bare,
      "request",
    );
    await y.send(xml("presence", { to: x.bare, type: "subscribed" }));
  }
  await a.waitFor(isPresence(b.jid), "b's presence at a");
  await b.waitFor(isPresence(a.jid), "a's presence at b");
}

/** A server process from the CLI; resolves once its c2s port is known (from its JSON log). */
async function spawnServe(
  config: Record<string, unknown>,
  args: string[] = [],
): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(file, stringify(config));
  const child = spawn(process.execPath, ["--import", TSX, ENTRY, "serve", "--config", file, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  cleanup.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await gone;
    }
  });
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`serve did not come up:\n${out}`)), 45_000);
    const look = () => {
      const m = /"kind":"c2s","address":"[^"]+","port":(\d+)/.exec(out);
      if (m !== null) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on("data", look);
    child.once("exit", () => reject(new Error(`serve exited:\n${out}`)));
  });
  return { child, port, output: () => out };
}

test(
  "kill -9 of a node: its users go offline within the lease bound; messages to them are kept and delivered at login",
  { skip },
  async () => {
    const setup = newSetup();
    const a = await startNode(setup, "a");
    cleanup.push(() => a.stop());
    const b = await spawnServe({
      ...nodeConfig(setup, "b"),
      interfaces: ["127.0.0.1"],
      c2s_ports: [0],
      c2s_direct_tls_ports: [],
      http_ports: [],
      https_ports: [],
      data_path: dir,
      log_level: "info",
    });
    const alice = await online(a.port, "alice", "here");
    const bob = await online(b.port, "bob", "doomed");
    try {
      await befriend(alice, bob);
      b.child.kill("SIGKILL");
      const killed = Date.now();
      // Before the lease lapses node a still lists bob, but nobody listens on node b's channel: the
      // message is kept offline rather than published into the void.
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(a.server.ctx.sessions.get("bob@localhost", "doomed") !== undefined, "not reaped yet");
      await alice.send(chat(bob.jid, "just after the kill"));
      await alice.waitFor(isPresence(bob.jid, "unavailable"), "bob unavailable after the kill", 20_000);
      const took = (Date.now() - killed) / 1000;
      // Documented bound: lease + lease/3 (one renewal period) + the reaper's own period; slack for load.
      assert.ok(took < LEASE * 2 + 3, `bob went offline after ${took} s`);
      assert.equal(a.server.ctx.sessions.ofAccount("bob@localhost").length, 0);
      await alice.send(chat("bob@localhost", "while your node was dead"));
      await alice.assertNone((s) => s.name === "message" && s.attrs.type === "error", "a bounce", 300);
      const bob2 = await online(a.port, "bob", "back");
      try {
        await bob2.waitFor(isBody("while your node was dead"), "the kept message");
        await bob2.waitFor(isBody("just after the kill"), "the message sent before the reaping");
      } finally {
        await end(bob2);
      }
    } finally {
      await end(alice, bob);
    }
  },
);

test(
  "Redis restarted mid-conversation: degraded meanwhile, messages kept offline and delivered, logins refused past the lease, then routing resumes",
  { skip },
  async () => {
    const redis = await OwnRedis.start();
    cleanup.push(() => redis.down());
    const setup = newSetup(redis.url);
    const n1 = await startNode(setup, "r1");
    cleanup.push(() => n1.stop());
    const n2 = await startNode(setup, "r2");
    cleanup.push(() => n2.stop());
    const carol = await online(n1.port, "carol", "c");
    const carol2 = await online(n1.port, "carol", "c2");
    const dave = await online(n2.port, "dave", "d");
    const health = async (s: TestServer) => {
      const r = await fetch(`http://127.0.0.1:${s.httpPort}/healthz`);
      return `${r.status} ${(await r.text()).trim()}`;
    };
    try {
      await waitUntil(() => n1.server.ctx.sessions.get("dave@localhost", "d") !== undefined, "n1 sees dave");
      await carol.send(chat(dave.jid, "before"));
      await dave.waitFor(isBody("before"), "before the restart");
      assert.equal(await health(n1), "200 ok");

      await redis.down();
      await waitUntil(async () => (await health(n1)).startsWith("200 degraded"), "degraded health");
      // Local delivery goes on; the other node's users are out of sight, so their messages are kept.
      await carol.send(chat(carol2.jid, "local"));
      await carol2.waitFor(isBody("local"), "local delivery");
      await carol.send(chat("dave@localhost", "during"));
      await carol.assertNone((s) => s.name === "message" && s.attrs.type === "error", "a bounce", 200);
      // Past the lease, a node cut off from Redis refuses logins rather than split the brain.
      await waitUntil(async () => (await health(n1)).startsWith("503"), "503 once the lease lapsed");
      const late = await RawClient.connect(n1.port);
      try {
        late.open();
        await late.starttls();
        await assert.rejects(late.login("carol", "carol-pw"), /temporary-auth-failure/);
      } finally {
        late.destroy();
      }

      await redis.up();
      await dave.waitFor(isBody("during"), "the kept message, after the nodes reconnect", 15_000);
      await waitUntil(async () => (await health(n1)) === "200 ok", "healthy again");
      await waitUntil(
        () => n1.server.ctx.sessions.get("dave@localhost", "d") !== undefined,
        "n1 sees dave again",
      );
      await carol.send(chat(dave.jid, "after"));
      await dave.waitFor(isBody("after"), "after the restart");
    } finally {
      await end(carol, carol2, dave);
    }
  },
);

test(
  "serve --workers 2: two cluster nodes on one port serve logins and chat; SIGTERM drains both",
  { skip },
  async () => {
    const setup = newSetup();
    const port = await freePort();
    const config = {
      ...nodeConfig(setup, "box"),
      interfaces: ["127.0.0.1"],
      c2s_ports: [port],
      c2s_direct_tls_ports: [],
      http_ports: [],
      https_ports: [],
      data_path: dir,
      log_level: "info",
    };
    const served = await spawnServe(config, ["--workers", "2"]);
    assert.equal(served.port, port);
    // Both workers listen before logins are spread over them.
    await waitUntil(
      () => (served.output().match(/"kind":"c2s"/g) ?? []).length === 2,
      "two workers listening",
      45_000,
    );
    const clients: ChatClient[] = [];
    try {
      // The workers accept themselves and the kernel picks one for each connection: a few logins in
      // a row may all land on one, so log in until both hold sessions (bounded).
      const r = new Redis(REDIS_URL);
      try {
        const nodes = async () => {
          const entries = Object.values(await r.hgetall(`${setup.prefix}:sessions`));
          return [...new Set(entries.map((e) => (JSON.parse(e) as { node: string }).node))].sort();
        };
        for (let i = 1; i <= 4 || ((await nodes()).length < 2 && i <= 40); i++)
          clients.push(await online(port, i <= 4 ? `u${i}` : "u4", i <= 4 ? undefined : `extra${i}`));
        assert.deepEqual(await nodes(), ["box-w1", "box-w2"]);
      } finally {
        r.disconnect();
      }
      // A message between workers, whichever holds whom.
      const [u1, u2, u3] = clients as [ChatClient, ChatClient, ChatClient];
      await u1.send(chat(u2.jid, "one to two"));
      await u2.waitFor(isBody("one to two"), "u2");
      await u3.send(chat(u1.bare, "three to one"));
      await u1.waitFor(isBody("three to one"), "u1");
    } finally {
      await end(...clients);
    }
    const exited = new Promise<number | null>((r) => served.child.once("exit", (code) => r(code)));
    served.child.kill("SIGTERM");
    assert.equal(await exited, 0);
  },
);
