// Cluster nodes for tests: in-process servers sharing one PostgreSQL schema and one Redis key prefix,
// each with its own [cluster] node name and ports, as operators would run them on separate machines.
import { before, after } from "node:test";
import { startServer, type TestServer } from "./xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "./raw-client.ts";
import { PG_URL, dropSchema, pgSkip, uniqueSchema } from "./postgres.ts";
import { REDIS_URL, dropPrefix, redisSkip, uniquePrefix } from "./redis.ts";
import { startAuthApi, type TestAuthApi } from "./auth-api.ts";
import { ChatClient } from "./chat-client.ts";
import type { ServerDeps } from "../../src/server.ts";

export interface ClusterSetup {
  readonly schema: string;
  readonly prefix: string;
  readonly redis: string;
  readonly authUrl: string;
  /** Extra [cluster] keys (e.g. lease). */
  readonly cluster?: Record<string, unknown>;
}

export function nodeConfig(setup: ClusterSetup, node: string): Record<string, unknown> {
  return {
    certificate: TEST_CERT,
    key: TEST_KEY,
    http_ports: [0],
    storage: "sql",
    sql: `${PG_URL}?schema=${setup.schema}`,
    hosts: { localhost: { http_auth_url: setup.authUrl } },
    cluster: { redis: setup.redis, node, prefix: setup.prefix, ...setup.cluster },
  };
}

/** What a test may inject into one node (e.g. a store that holds its writes). */
export type NodeDeps = Pick<ServerDeps, "wrapChatStore">;

export function startNode(
  setup: ClusterSetup,
  node: string,
  extra: Record<string, unknown> = {},
  deps: NodeDeps = {},
): Promise<TestServer> {
  return startServer({ ...nodeConfig(setup, node), ...extra }, undefined, deps);
}

/** Until every node sees `n` available sessions of `bare` (announcements travel through Redis). */
export async function seenEverywhere(nodes: readonly TestServer[], bare: string, n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (
    !nodes.every((s) => s.server.ctx.sessions.ofAccount(bare).filter((h) => h.state.available).length === n)
  ) {
    if (Date.now() > deadline) throw new Error(`not every node sees ${n} available sessions of ${bare}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Why cluster tests cannot run here (PostgreSQL or Redis missing), or false. */
export const clusterSkip: string | false = pgSkip !== false ? pgSkip : redisSkip;

export interface ClusterFixture {
  /** The started nodes, in the order of `names`. */
  readonly nodes: TestServer[];
  /** Clients the tests log in; stopped (reconnection off) before the nodes. */
  readonly clients: ChatClient[];
  /** Logs `user` (password "<user>-pw") in on node `i`, available, once its own presence came back. */
  readonly online: (i: number, user: string, resource?: string) => Promise<ChatClient>;
}

/**
 * A file's cluster: nodes named `names` on a fresh PostgreSQL schema and Redis key prefix, with
 * alice and bob (passwords "alice-pw", "bob-pw") in a test API; started before the file's tests and
 * removed after them. Nothing happens when `clusterSkip` says the services are missing.
 */
export function useCluster(
  schemaPrefix: string,
  names: readonly string[] = ["n1", "n2"],
  extra: Record<string, unknown> = {},
  deps: Readonly<Record<string, NodeDeps>> = {},
): ClusterFixture {
  const fixture: ClusterFixture = {
    nodes: [],
    clients: [],
    async online(i, user, resource) {
      const node = fixture.nodes[i];
      if (node === undefined) throw new Error(`no node ${i}`);
      const c = await ChatClient.online(node.port, user, resource);
      fixture.clients.push(c);
      return c;
    },
  };
  let api: TestAuthApi;
  let setup: ClusterSetup;
  before(async () => {
    if (clusterSkip !== false) return;
    api = await startAuthApi({ "alice@localhost": "alice-pw", "bob@localhost": "bob-pw" });
    setup = {
      schema: uniqueSchema(schemaPrefix),
      prefix: uniquePrefix(),
      redis: REDIS_URL,
      authUrl: api.url,
    };
    for (const name of names) fixture.nodes.push(await startNode(setup, name, extra, deps[name]));
  });
  after(async () => {
    if (clusterSkip !== false) return;
    for (const c of fixture.clients) {
      (c.xmpp as unknown as { reconnect?: { stop(): void } }).reconnect?.stop();
      await c.stop();
    }
    for (const n of fixture.nodes) await n.stop();
    await api.close();
    await dropSchema(setup.schema);
    await dropPrefix(setup.prefix);
  });
  return fixture;
}
