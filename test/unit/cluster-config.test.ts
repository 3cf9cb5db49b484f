// The [cluster] table: validated up front like every option; a cluster needs PostgreSQL (the nodes
// share rosters and offline messages) and SQLite is refused saying why; without the table the
// server keeps its single-process registry and never opens a Redis connection.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseServerConfig } from "../../src/config/load.ts";
import { isXhaError } from "../../src/errors.ts";
import { SessionRegistry } from "../../src/router/sessions.ts";
import { startServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";

const hosts = { localhost: { http_auth_url: "http://127.0.0.1:5380/auth" } };
const pg = { storage: "sql", sql: "postgres://127.0.0.1:5432/test" };

function rejects(doc: Record<string, unknown>, message: RegExp): void {
  assert.throws(
    () => parseServerConfig({ hosts, ...doc }, "my.toml"),
    (err: unknown) => isXhaError(err, "XHA_CONFIG_INVALID") && message.test(err.message),
  );
}

test("[cluster] takes redis and node, with a default node name, prefix and lease", () => {
  const c = parseServerConfig(
    { hosts, ...pg, cluster: { redis: "redis://127.0.0.1:6379", node: "a" } },
    "my.toml",
  );
  assert.deepEqual({ ...c.cluster }, { redis: "redis://127.0.0.1:6379", node: "a", prefix: "xha", lease: 6 });
  const d = parseServerConfig({ hosts, ...pg, cluster: { redis: "redis://r:6379" } }, "my.toml");
  assert.match(d.cluster?.node ?? "", new RegExp(`-${process.pid}$`));
  assert.equal(parseServerConfig({ hosts }, "my.toml").cluster, undefined);
});

test("[cluster] mistakes name the key", () => {
  rejects({ ...pg, cluster: { node: "a" } }, /my\.toml: cluster\.redis is required/);
  rejects({ ...pg, cluster: { redis: "http://x" } }, /cluster\.redis must be a redis:\/\//);
  rejects({ ...pg, cluster: { redis: "redis://x", node: "a b" } }, /cluster\.node must be/);
  rejects({ ...pg, cluster: { redis: "redis://x", lease: 0 } }, /cluster\.lease must be a number of seconds/);
  rejects({ ...pg, cluster: { redis: "redis://x", nodes: 3 } }, /cluster\.nodes is not a known option/);
  rejects({ ...pg, cluster: "redis://x" }, /my\.toml: cluster must be a table/);
});

test("a cluster on SQLite is refused, saying why", () => {
  rejects(
    { cluster: { redis: "redis://x" } },
    /storage must be "sql" with PostgreSQL when \[cluster\] is set: .*SQLite file belongs to one process/,
  );
  rejects(
    { storage: "sql", sql: { driver: "SQLite3", database: "x.sqlite" }, cluster: { redis: "redis://x" } },
    /PostgreSQL/,
  );
});

test("without [cluster] the server uses the local registry (no Redis)", async () => {
  const s = await startServer({ certificate: TEST_CERT, key: TEST_KEY, hosts });
  try {
    assert.ok(s.server.ctx.sessions instanceof SessionRegistry);
    assert.ok(!s.logs.some((l) => /redis|cluster/i.test(l)), "nothing about Redis or a cluster in the logs");
  } finally {
    await s.stop();
  }
});
