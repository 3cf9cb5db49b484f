// A reload used to ignore a changed [cluster] table silently: the node kept its old Redis, name and
// lease while the operator believed the new ones were in force. It is now reported as needing a
// restart (the node's sessions are registered under the old ones), and the node keeps serving.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { parseServerConfig } from "../../src/config/load.ts";
import { createReloader } from "../../src/reload/reloader.ts";
import { startNode, nodeConfig, type ClusterSetup } from "../helpers/cluster.ts";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { dropSchema, pgSkip, uniqueSchema } from "../helpers/postgres.ts";
import { REDIS_URL, dropPrefix, redisSkip, uniquePrefix } from "../helpers/redis.ts";
import { ChatClient } from "../helpers/chat-client.ts";
import type { TestServer } from "../helpers/xmpp-server.ts";

const skip = pgSkip || redisSkip;
let api: TestAuthApi;
let setup: ClusterSetup;
let node: TestServer;

before(async () => {
  if (skip) return;
  api = await startAuthApi({ "alice@localhost": "pw" });
  setup = {
    schema: uniqueSchema("reload_cluster"),
    prefix: uniquePrefix(),
    redis: REDIS_URL,
    authUrl: api.url,
  };
  node = await startNode(setup, "n1");
});

after(async () => {
  if (skip) return;
  await node.stop();
  await api.close();
  await dropSchema(setup.schema);
  await dropPrefix(setup.prefix);
});

test(
  "a changed [cluster] table is reported as waiting for a restart; an unchanged one is not",
  { skip },
  async () => {
    const base = {
      interfaces: ["127.0.0.1"],
      c2s_ports: [0],
      c2s_direct_tls_ports: [0],
      https_ports: [],
      data_path: node.dataPath,
    };
    const startedCluster = parseServerConfig({ ...base, ...nodeConfig(setup, "n1") }, "t.toml").cluster;
    let doc: Record<string, unknown> = nodeConfig(setup, "n1");
    const reloader = createReloader({
      server: node.server,
      file: "t.toml",
      logger: node.server.ctx.logger,
      startedTables: {},
      startedCluster,
      load: (file) => parseServerConfig({ ...base, ...doc }, file),
    });

    const same = await reloader.reload();
    assert.equal(same.ok, true);
    assert.deepEqual(same.restartRequired, []);

    doc = nodeConfig({ ...setup, cluster: { lease: 30 } }, "n1");
    const changed = await reloader.reload();
    assert.equal(changed.ok, true);
    assert.deepEqual(changed.restartRequired, ["[cluster]"]);

    // The node keeps serving on its old cluster settings.
    const alice = await ChatClient.login(node.port, "alice", "pw");
    await alice.stop();
  },
);
