// archive_expires_after, default_archive_policy and max_archive_query_results: Prosody's forms are
// accepted, bad values refused at start with the key named; the retention sweep deletes what a
// host's period has expired and nothing of a host that keeps everything.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseServerConfig } from "../../src/config/load.ts";
import { isXhaError } from "../../src/errors.ts";
import { expirySeconds } from "../../src/modules/mam/archive-period.ts";
import { startRetention } from "../../src/modules/mam/retention.ts";
import { StoreHandle } from "../../src/storage/handle.ts";
import { newArchiveId } from "../../src/storage/mam.ts";
import { createLogger } from "../../src/log.ts";
import type { ServerContext } from "../../src/server-context.ts";

const host = { authentication: "http", http_auth_url: "http://127.0.0.1:5380/auth" };
const parse = (doc: Record<string, unknown>) =>
  parseServerConfig({ hosts: { "a.test": { ...host, ...doc } } }, "my.toml");

test("archive periods in Prosody's forms", () => {
  assert.equal(expirySeconds("1w"), 604_800);
  assert.equal(expirySeconds("2d"), 172_800);
  assert.equal(expirySeconds("1y"), 31_556_952);
  assert.equal(expirySeconds("3600"), 3600);
  assert.equal(expirySeconds(86_400), 86_400);
  assert.equal(expirySeconds("never"), undefined);
  const c = parse({});
  assert.equal(c.hosts.get("a.test")?.archive_expires_after, "1w");
  assert.equal(c.hosts.get("a.test")?.default_archive_policy, true);
  assert.equal(c.hosts.get("a.test")?.max_archive_query_results, 50);
  assert.equal(
    parse({ default_archive_policy: "roster" }).hosts.get("a.test")?.default_archive_policy,
    "roster",
  );
});

test("bad values are refused with the key named", () => {
  for (const [key, value] of [
    ["archive_expires_after", "soon"],
    ["archive_expires_after", "1h"],
    ["archive_expires_after", 10],
    ["archive_expires_after", true],
    ["default_archive_policy", "sometimes"],
    ["max_archive_query_results", 0],
    ["max_archive_query_results", 100_000],
  ] as const)
    assert.throws(
      () => parse({ [key]: value }),
      (err: unknown) => isXhaError(err, "XHA_CONFIG_INVALID") && err.message.includes(key),
      `${key} = ${JSON.stringify(value)}`,
    );
});

test("the retention sweep deletes expired messages per host and keeps a 'never' host's", async () => {
  const dir = mkdtempSync(join(tmpdir(), "xha-mam-retention-"));
  const config = parseServerConfig(
    {
      data_path: dir,
      hosts: {
        "short.test": { ...host, archive_expires_after: "1d" },
        "keep.test": { ...host, archive_expires_after: "never" },
      },
    },
    "my.toml",
  );
  const storage = new StoreHandle();
  const logger = createLogger({ level: "silent" });
  await storage.open(config.global, logger);
  const hosts = new Map([...config.hosts].map(([name, options]) => [name, { name, options }]));
  const ctx = { hosts, logger } as unknown as ServerContext;
  const retention = startRetention({ ctx, storage }, 3_600_000);
  try {
    const now = Date.parse("2026-06-01T00:00:00Z");
    const row = (account: string, at: number) => ({
      account,
      id: newArchiveId(at),
      at,
      with: "b@y",
      withFull: "b@y",
      stanza: "<message/>",
    });
    await storage.store.archive([
      row("u@short.test", now - 2 * 86_400_000),
      row("u@short.test", now - 3600_000),
      row("u@keep.test", now - 400 * 86_400_000),
    ]);
    assert.equal(await retention.sweep(now), 1);
    assert.equal(await retention.sweep(now), 0);
    const q = { max: 10, backwards: false, count: false };
    assert.equal((await storage.store.queryArchive("u@short.test", q))?.items.length, 1);
    assert.equal((await storage.store.queryArchive("u@keep.test", q))?.items.length, 1);
  } finally {
    retention.stop();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
