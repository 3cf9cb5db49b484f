// Regression: a message to a bare JID whose only resource was coming online waited offline until the
// next login. The sender's side decided "no available resource" (RFC 6121 §8.5.2.2.1), then awaited
// (archive, user_exists, the store) before its offline write; meanwhile the recipient's initial
// presence emptied the queue (XEP-0160), so the message was written after the flush and stayed there
// while the resource was online. Here the offline write is held until that flush has read the queue;
// in a cluster, also with either node's Redis traffic held (a view of the other node that is late).
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
import { startRelay } from "../helpers/redis-relay.ts";
import type { ChatStore } from "../../src/storage/store.ts";

const ALICE = "alice@localhost";

interface Held {
  account: string;
  reached: () => void;
  release: Promise<void>;
  open: () => void;
  wrote: () => void;
}

/** Holds the next offline write for an account until released; tells when a take for it was done. */
class OfflineGate {
  private held: Held | undefined;
  /** Settles once the held write is done, before the server goes on from it. */
  written: Promise<void> = Promise.resolve();
  private takers: { account: string; done: () => void }[] = [];
  /** Accounts whose queue a take has started to read. */
  readonly reading = new Set<string>();
  /** The store wrapped (undefined before the server opened it). */
  inner: ChatStore | undefined;

  /** The next storeOffline for `account` waits for release(); resolves once that write is reached. */
  hold(account: string): Promise<void> {
    let open = () => {};
    const release = new Promise<void>((r) => (open = r));
    let wrote = () => {};
    this.written = new Promise<void>((r) => (wrote = r));
    return new Promise((reached) => (this.held = { account, reached, release, open, wrote }));
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
            if (held === undefined) return target.storeOffline(account, stanza, max);
            held.reached();
            await held.release;
            const stored = await target.storeOffline(account, stanza, max);
            held.wrote();
            return stored;
          };
        if (key === "takeOffline")
          return async (account: string) => {
            this.reading.add(account);
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
  hooks: {
    /** Before her initial presence. */
    online?: () => void;
    /** Until her flush has read the queue (by default, until its take returned). */
    flushed?: (alice: ChatClient, taken: Promise<void>) => Promise<void>;
    /** Once bob's node has done the write, before it goes on. */
    written?: () => Promise<void> | void;
  } = {},
): Promise<void> {
  const bob = await ChatClient.login(bobPort, "bob", "bob-pw");
  try {
    const writing = gate.hold(ALICE);
    await bob.send(xml("message", { to: ALICE, type: "chat" }, xml("body", {}, text)));
    await writing;
    const alice = await ChatClient.login(alicePort, "alice", "alice-pw");
    try {
      const flushed = takes.taken(ALICE);
      hooks.online?.();
      await alice.send(xml("presence"));
      await alice.waitFor(isPresence(alice.jid), "her own presence");
      await (hooks.flushed?.(alice, flushed) ?? flushed);
      gate.release();
      await gate.written;
      await hooks.written?.();
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

// In a cluster the sender's node keeps the message and the recipient's node runs the flush. Bob's
// node hears of alice's presence late (its Redis replies are held from before her presence to after
// its write): it must not conclude from its stale view that nobody took the message.
test(
  "cluster: kept by bob's node, which hears late that alice came online on another node",
  { skip: clusterSkip },
  async () => {
    await onTwoNodes("replies", "n1", async ({ onBob, onAlice, n1, n2, relay }) => {
      await race(onBob, onAlice, n1.port, n2.port, "sent across the cluster", {
        online: () => relay.hold(),
        written: () => relay.release(),
      });
    });
  },
);

// The other side: alice's node announces her availability late (its Redis commands are held from
// before her presence until after bob's node kept the message and looked again, seeing nobody). Her
// node must not read her queue before the others can see her: then that read finds the message.
test(
  "cluster: kept by bob's node while alice's node is slow to announce her presence",
  { skip: clusterSkip },
  async () => {
    await onTwoNodes("commands", "n2", async ({ onBob, onAlice, n1, n2, relay }) => {
      await race(onBob, onAlice, n1.port, n2.port, "sent while her node was slow", {
        online: () => relay.hold(),
        // Her presence is handled (stanzas of a session run in order): a flush that did not wait for
        // the announcement has started its read by now.
        flushed: async (alice, taken) => {
          await alice.iq(
            xml("iq", { type: "get", to: "localhost" }, xml("ping", { xmlns: "urn:xmpp:ping" })),
          );
          if (onAlice.reading.has(ALICE)) await taken;
        },
        written: async () => {
          // Bob's node has looked again (each round trip on its subscriber connection comes after
          // the one its check made), and seen nobody: her announcement is still held.
          for (let i = 0; i < 3; i++) await n1.server.ctx.sessions.caughtUp();
          assert.equal(
            n1.server.ctx.sessions.ofAccount(ALICE).some((h) => h.state.available),
            false,
            "n1 saw alice available before her node announced it",
          );
          relay.release();
        },
      });
    });
  },
);

/**
 * Two cluster nodes, n1 with bob's offline gate and n2 with alice's, one of them reaching Redis
 * through a relay that can hold its `what`; removed afterwards.
 */
async function onTwoNodes(
  what: "replies" | "commands",
  relayed: "n1" | "n2",
  body: (n: {
    onBob: OfflineGate;
    onAlice: OfflineGate;
    n1: TestServer;
    n2: TestServer;
    relay: Awaited<ReturnType<typeof startRelay>>;
  }) => Promise<void>,
): Promise<void> {
  const api = await startAuthApi({ [ALICE]: "alice-pw", "bob@localhost": "bob-pw" });
  const relay = await startRelay(what);
  const setup = {
    schema: uniqueSchema("xha_barerace"),
    prefix: uniquePrefix(),
    redis: REDIS_URL,
    authUrl: api.url,
  };
  const onBob = new OfflineGate();
  const onAlice = new OfflineGate();
  const nodes: TestServer[] = [];
  const start = (name: "n1" | "n2", gate: OfflineGate) =>
    startServer(nodeConfig(name === relayed ? { ...setup, redis: relay.url } : setup, name), undefined, {
      wrapChatStore: gate.wrap,
    }).then((n) => (nodes.push(n), n));
  try {
    const n1 = await start("n1", onBob);
    const n2 = await start("n2", onAlice);
    await body({ onBob, onAlice, n1, n2, relay });
  } finally {
    relay.release();
    for (const n of nodes) await n.stop();
    relay.close();
    await api.close();
    await dropSchema(setup.schema);
    await dropPrefix(setup.prefix);
  }
}
