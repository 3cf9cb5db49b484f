// Regression: every chat message waited for its XEP-0313 archive inserts (and preference reads)
// before delivery. With a store whose archive() is held at a gate, a message between two real
// clients is still delivered; a query issued meanwhile waits for the queued write and then finds the
// message under the stanza-id delivered; setting prefs applies to the next message (the prefs cache
// is dropped); a failing archive() never stops delivery and is counted; stop() writes the queue
// before the store closes. On SQLite and PostgreSQL.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { onEachStorage } from "../helpers/chat-stores.ts";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { ChatClient, xml, type XmlElement } from "../helpers/chat-client.ts";
import type { ChatStore } from "../../src/storage/store.ts";
import type { ArchiveEntry, ArchiveQuery } from "../../src/storage/mam.ts";

const MAM = "urn:xmpp:mam:2";
const SID = "urn:xmpp:sid:0";

/** Holds archive() while closed; fails it when `failing`; records what reached the real store. */
class Gate {
  failing = false;
  readonly events: string[] = [];
  private waiting: (() => void)[] = [];
  private open = true;

  hold(): void {
    this.open = false;
  }
  release(): void {
    this.open = true;
    for (const w of this.waiting.splice(0)) w();
  }

  wrap(store: ChatStore): ChatStore {
    return new Proxy(store, {
      get: (target, key) => {
        if (key === "archive")
          return async (entries: readonly ArchiveEntry[]) => {
            if (!this.open) await new Promise<void>((r) => this.waiting.push(r));
            if (this.failing) throw new Error("archive refused by the test");
            await target.archive(entries);
            this.events.push(...entries.map((e) => `archived ${e.account} ${e.id}`));
          };
        if (key === "queryArchive")
          return (account: string, q: ArchiveQuery) => {
            this.events.push(`query ${account}`);
            return target.queryArchive(account, q);
          };
        if (key === "close")
          return async () => {
            this.events.push("close");
            await target.close();
          };
        const value: unknown = Reflect.get(target, key);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
}

const isBody = (body: string) => (s: XmlElement) => s.name === "message" && s.getChildText("body") === body;
const stanzaId = (s: XmlElement, by: string) =>
  s.getChildren("stanza-id", SID).find((e) => e.attrs.by === by)?.attrs.id;

/** The archive ids and bodies a query returns. */
async function archive(c: ChatClient): Promise<{ id: string; body: string | undefined }[]> {
  const queryid = `q${Math.random().toString(36).slice(2)}`;
  const mark = c.received.length;
  const iq = await c.iq(xml("iq", { type: "set" }, xml("query", { xmlns: MAM, queryid })), 20_000);
  assert.equal(iq.attrs.type, "result");
  return c.received
    .slice(mark)
    .map((s) => s.getChild("result", MAM))
    .filter((r): r is XmlElement => r?.attrs.queryid === queryid)
    .map((r) => ({
      id: r.attrs.id ?? "",
      body: r.getChild("forwarded")?.getChild("message")?.getChildText("body") ?? undefined,
    }));
}

/** Resolves when the server's session `bare/resource` is handed its next element. */
function nextElement(server: TestServer, bare: string, resource: string): Promise<void> {
  const session = server.server.ctx.sessions.get(bare, resource)?.local;
  assert.ok(session);
  const original = session.onElement.bind(session);
  return new Promise((resolve) => {
    session.onElement = (element, bytes) => {
      session.onElement = original;
      original(element, bytes);
      resolve();
    };
  });
}

function suite(storage: () => Record<string, unknown>, cleanup: () => Promise<void> = async () => {}): void {
  let api: TestAuthApi;
  let server: TestServer;
  let stopped = false;
  const gate = new Gate();
  const clients: ChatClient[] = [];
  const online = async (user: string, resource: string) => {
    const c = await ChatClient.online(server.port, user, resource);
    clients.push(c);
    return c;
  };

  before(async () => {
    const users = ["alice", "bob", "carol", "dave", "erin", "frank"];
    api = await startAuthApi(Object.fromEntries(users.map((u) => [`${u}@localhost`, `${u}-pw`])));
    server = await startServer(
      {
        certificate: TEST_CERT,
        key: TEST_KEY,
        ...storage(),
        http_ports: [0],
        hosts: { localhost: { http_auth_url: api.url } },
      },
      undefined,
      { wrapChatStore: (s) => gate.wrap(s) },
    );
  });
  after(async () => {
    gate.release();
    for (const c of clients) await c.stop();
    if (!stopped) await server.stop();
    await api.close();
    await cleanup();
  });

  test("delivered while the archive is held; a query waits for the write and finds the same id", async () => {
    const alice = await online("alice", "a");
    const bob = await online("bob", "b");
    gate.hold();
    await alice.send(xml("message", { to: bob.jid, type: "chat" }, xml("body", {}, "held")));
    const got = await bob.waitFor(isBody("held"), "the message, archive held");
    const id = stanzaId(got, "bob@localhost");
    assert.ok(id, "the stanza-id is assigned before the write");
    assert.ok(!gate.events.some((e) => e.includes(id)), "not written yet");
    // Asked while the write is held: read after it, with the message. The gate opens once the
    // server has the query (its handler runs before the next macrotask).
    const arrived = nextElement(server, "bob@localhost", "b");
    const page = archive(bob);
    await arrived;
    await new Promise((r) => setImmediate(r));
    gate.release();
    assert.deepEqual(await page, [{ id, body: "held" }]);
    const events = gate.events.filter((e) => e === "query bob@localhost" || e.startsWith("archived bob@"));
    assert.deepEqual(events, [`archived bob@localhost ${id}`, "query bob@localhost"]);
    assert.equal((await archive(alice)).length, 1, "the sender's copy too");
  });

  test("a query right after receiving sees the message", async () => {
    const carol = await online("carol", "c");
    const dave = await online("dave", "d");
    for (let i = 0; i < 5; i++) {
      await carol.send(xml("message", { to: dave.jid, type: "chat" }, xml("body", {}, `now ${i}`)));
      const got = await dave.waitFor(isBody(`now ${i}`), "the message");
      const page = await archive(dave);
      assert.equal(page.at(-1)?.id, stanzaId(got, "dave@localhost"));
      assert.equal(page.length, i + 1);
    }
  });

  test("setting prefs to never applies to the next message (the cached prefs are dropped)", async () => {
    const erin = await online("erin", "e");
    const frank = await online("frank", "f");
    await erin.send(xml("message", { to: frank.jid, type: "chat" }, xml("body", {}, "kept")));
    await frank.waitFor(isBody("kept"), "first message");
    const set = await frank.iq(
      xml("iq", { type: "set" }, xml("prefs", { xmlns: MAM, default: "never" }, xml("always"), xml("never"))),
    );
    assert.equal(set.attrs.type, "result");
    await erin.send(xml("message", { to: frank.jid, type: "chat" }, xml("body", {}, "not kept")));
    const got = await frank.waitFor(isBody("not kept"), "second message");
    assert.equal(stanzaId(got, "frank@localhost"), undefined, "no archive id: not archived");
    assert.deepEqual(
      (await archive(frank)).map((m) => m.body),
      ["kept"],
    );
    assert.deepEqual(
      (await archive(erin)).map((m) => m.body),
      ["kept", "not kept"],
      "the sender's own prefs still archive",
    );
  });

  test("a failing archive write: delivered anyway, logged without contents, counted", async () => {
    const alice = await online("alice", "a2");
    const bob = await online("bob", "b2");
    gate.failing = true;
    try {
      await alice.send(xml("message", { to: bob.jid, type: "chat" }, xml("body", {}, "secret words")));
      await bob.waitFor(isBody("secret words"), "delivered although the write fails");
      // A query waits for the failed batch too, then answers.
      await archive(bob);
    } finally {
      gate.failing = false;
    }
    const failures = server.logs.filter((l) => l.includes("archiving a batch of messages failed"));
    assert.ok(failures.length > 0);
    assert.ok(!server.logs.some((l) => l.includes("secret words")), "no message contents in the logs");
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/metrics`);
    const metric = /^xha_mam_write_failures_total (\d+)$/m.exec(await res.text());
    assert.ok(Number(metric?.[1]) > 0, "counted in /metrics");
  });

  test("stop() writes the queued entries before the store closes", async () => {
    const carol = await online("carol", "c2");
    const dave = await online("dave", "d2");
    gate.hold();
    await carol.send(xml("message", { to: dave.jid, type: "chat" }, xml("body", {}, "at stop")));
    const got = await dave.waitFor(isBody("at stop"), "the message");
    const id = stanzaId(got, "dave@localhost") ?? "";
    assert.ok(id);
    stopped = true;
    const stopping = server.stop();
    gate.release();
    await stopping;
    const written = gate.events.indexOf(`archived dave@localhost ${id}`);
    assert.ok(written >= 0, "written");
    assert.ok(written < gate.events.indexOf("close"), "before the store closed");
  });
}

onEachStorage("write-behind archive", suite);
