// Regression: a message to a bare JID whose only resource was coming online waited offline until the
// next login. The sender's side decided "no available resource" (RFC 6121 §8.5.2.2.1), then awaited
// (archive, user_exists, the store) before its offline write; meanwhile the recipient's initial
// presence emptied the queue (XEP-0160), so the message was written after the flush and stayed there
// while the resource was online. Here the offline write is held until that flush has read the queue.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { ChatClient, isPresence, xml, type XmlElement } from "../helpers/chat-client.ts";
import { onEachStorage } from "../helpers/chat-stores.ts";
import { clusterSkip, nodeConfig } from "../helpers/cluster.ts";
import { dropSchema, uniqueSchema } from "../helpers/postgres.ts";
import { REDIS_URL, dropPrefix, uniquePrefix } from "../helpers/redis.ts";
import type { ChatStore } from "../../src/storage/store.ts";

const ALICE = "alice@localhost";

/** Holds the next offline write for an account until released; tells when a take for it was done. */
class OfflineGate {
  private held:
    { account: string; reached: () => void; release: Promise<void>; open: () => void } | undefined;
  private takers: { account: string; done: () => void }[] = [];
  /** The store wrapped (undefined before the server opened it). */
  inner: ChatStore | undefined;

  /** The next storeOffline for `account` waits for release(); resolves once that write is reached. */
  hold(account: string): Promise<void> {
    let open = () => {};
    const release = new Promise<void>((r) => (open = r));
    return new Promise((reached) => (this.held = { account, reached, release, open }));
  }

  release(): void {
    this.held?.open();
    this.held = undefined;
  }

  /** Resolves after the next takeOffline for `account` has returned. */
  taken(account: string): Promise<void> {
    return new Promise((done) => this.takers.push({ account, done }));
  }

  wrap = (store: ChatStore): ChatStore => {
    this.inner = store;
    return new Proxy(store, {
      get: (target, key) => {
        if (key === "storeOffline")
          return async (account: string, stanza: string, max: number) => {
            const held = this.held?.account === account ? this.held : undefined;
            if (held !== undefined) {
              held.reached();
              await held.release;
            }
            return target.storeOffline(account, stanza, max);
          };
        if (key === "takeOffline")
          return async (account: string) => {
            const rows = await target.takeOffline(account);
            const waiting = this.takers.filter((t) => t.account === account);
            this.takers = this.takers.filter((t) => t.account !== account);
            for (const t of waiting) t.done();
            return rows;
          };
        const value: unknown = Reflect.get(target, key);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
}

const body = (text: string) => (s: XmlElement) => s.name === "message" && s.getChildText("body") === text;

/** bob writes to alice's bare JID; she logs in and her flush reads the queue while that write is held. */
async function race(
  gate: OfflineGate,
  takes: OfflineGate,
  bobPort: number,
  alicePort: number,
  text: string,
  beforeRelease: () => Promise<void> = () => Promise.resolve(),
): Promise<void> {
  const bob = await ChatClient.login(bobPort, "bob", "bob-pw");
  try {
    const writing = gate.hold(ALICE);
    await bob.send(xml("message", { to: ALICE, type: "chat" }, xml("body", {}, text)));
    await writing;
    const alice = await ChatClient.login(alicePort, "alice", "alice-pw");
    try {
      const flushed = takes.taken(ALICE);
      await alice.send(xml("presence"));
      await alice.waitFor(isPresence(alice.jid), "her own presence");
      await flushed;
      await beforeRelease();
      gate.release();
      // In this session: no second login is needed to get it.
      const got = await alice.waitFor(body(text), "the message sent while she came online", 5000);
      assert.equal(got.attrs.from, bob.jid);
      // Once, and nothing left for her next login.
      await alice.iq(xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })));
      assert.equal(alice.received.filter(body(text)).length, 1);
      assert.equal(await gate.inner?.countOffline(ALICE), 0);
      assert.equal(bob.received.filter((s) => s.attrs.type === "error").length, 0);
    } finally {
      await alice.stop();
    }
  } finally {
    gate.release();
    await bob.stop();
  }
}

onEachStorage("a bare-JID message racing the recipient's initial presence", (storage, cleanup) => {
  const gate = new OfflineGate();
  let api: TestAuthApi;
  let srv: TestServer;

  before(async () => {
    api = await startAuthApi({ [ALICE]: "alice-pw", "bob@localhost": "bob-pw" });
    srv = await startServer(
      {
        certificate: TEST_CERT,
        key: TEST_KEY,
        ...storage(),
        hosts: { localhost: { http_auth_url: api.url } },
      },
      undefined,
      { wrapChatStore: gate.wrap },
    );
  });

  after(async () => {
    await srv.stop();
    await api.close();
    await cleanup?.();
  });

  test("reaches the resource that came online, in that session", () =>
    race(gate, gate, srv.port, srv.port, "sent while alice came online"));
});

// In a cluster the sender's node keeps the message and the recipient's node runs the flush.
test(
  "cluster: kept by bob's node while alice's node flushes; she gets it there",
  { skip: clusterSkip },
  async () => {
    const api = await startAuthApi({ [ALICE]: "alice-pw", "bob@localhost": "bob-pw" });
    const setup = {
      schema: uniqueSchema("xha_barerace"),
      prefix: uniquePrefix(),
      redis: REDIS_URL,
      authUrl: api.url,
    };
    const onBob = new OfflineGate();
    const onAlice = new OfflineGate();
    const nodes: TestServer[] = [];
    try {
      for (const [name, gate] of [
        ["n1", onBob],
        ["n2", onAlice],
      ] as const)
        nodes.push(await startServer(nodeConfig(setup, name), undefined, { wrapChatStore: gate.wrap }));
      const [n1, n2] = nodes as [TestServer, TestServer];
      await race(onBob, onAlice, n1.port, n2.port, "sent across the cluster", async () => {
        // The case this covers: n1 has heard that alice is available on n2 by the time its write ends.
        const deadline = Date.now() + 5000;
        while (!n1.server.ctx.sessions.ofAccount(ALICE).some((h) => h.state.available)) {
          if (Date.now() > deadline) throw new Error("n1 never saw alice available");
          await new Promise((r) => setTimeout(r, 20));
        }
      });
    } finally {
      for (const n of nodes) await n.stop();
      await api.close();
      await dropSchema(setup.schema);
      await dropPrefix(setup.prefix);
    }
  },
);
