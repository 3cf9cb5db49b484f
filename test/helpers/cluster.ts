// Cluster nodes for tests: in-process servers sharing one PostgreSQL schema and one Redis key prefix,
// each with its own [cluster] node name and ports, as operators would run them on separate machines.
import { before, after } from "node:test";
import { startServer, type TestServer } from "./xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "./raw-client.ts";
import { PG_URL, dropSchema, pgSkip, uniqueSchema } from "./postgres.ts";
import { REDIS_URL, dropPrefix, redisSkip, uniquePrefix } from "./redis.ts";
import { startAuthApi, type TestAuthApi } from "./auth-api.ts";
import type { ChatClient } from "./chat-client.ts";

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

export function startNode(
  setup: ClusterSetup,
  node: string,
  extra: Record<string, unknown> = {},
): Promise<TestServer> {
  return startServer({ ...nodeConfig(setup, node), ...extra });
}

/** Why cluster tests cannot run here (PostgreSQL or Redis missing), or false. */
export const clusterSkip: string | false = pgSkip !== false ? pgSkip : redisSkip;

export interface ClusterFixture {
  /** The started nodes, in the order of `names`. */
  readonly nodes: TestServer[];
  /** Clients the tests log in; stopped (reconnection off) before the nodes. */
  readonly clients: ChatClient[];
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
): ClusterFixture {
  const fixture: ClusterFixture = { nodes: [], clients: [] };
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
    for (const name of names) fixture.nodes.push(await startNode(setup, name, extra));
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
