// Cluster nodes for tests: in-process servers sharing one PostgreSQL schema and one Redis key prefix,
// each with its own [cluster] node name and ports, as operators would run them on separate machines.
import { startServer, type TestServer } from "./xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "./raw-client.ts";
import { PG_URL } from "./postgres.ts";

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
