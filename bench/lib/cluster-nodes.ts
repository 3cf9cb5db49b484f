// What the cluster suites share: the PostgreSQL and Redis they need (XHA_BENCH_POSTGRES_URL,
// XHA_BENCH_REDIS_URL; defaults on 127.0.0.1), a check that both answer, the removal of a run's
// schema and keys, and a wait until N nodes have joined.
import postgres from "postgres";
import { Redis } from "ioredis";

export const BENCH_PG = process.env.XHA_BENCH_POSTGRES_URL ?? "postgres://127.0.0.1:5432/test";
export const BENCH_REDIS = process.env.XHA_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

/** Why a cluster suite cannot run (PostgreSQL or Redis not answering), or undefined. */
export async function clusterServicesMissing(): Promise<string | undefined> {
  const sql = postgres(BENCH_PG, { max: 1, connect_timeout: 3, onnotice: () => {} });
  const r = new Redis(BENCH_REDIS, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on("error", () => {});
  try {
    await sql`SELECT 1`;
    await r.connect();
    await r.ping();
    return undefined;
  } catch (err) {
    return `PostgreSQL (${BENCH_PG}) and Redis (${BENCH_REDIS}) are needed: ${(err as Error).message}`;
  } finally {
    await sql.end({ timeout: 1 });
    r.disconnect();
  }
}

/** Drops a run's schema and its Redis keys (those of its clusters `<prefix>-<name>` too). */
export async function removeClusterData(schema: string, prefix: string): Promise<void> {
  const sql = postgres(BENCH_PG, { max: 1, onnotice: () => {} });
  await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`.catch(() => {});
  await sql.end({ timeout: 1 });
  const r = new Redis(BENCH_REDIS);
  // `<prefix>:…`, and `<prefix>-<cluster>:…` where a suite runs several clusters.
  const keys = [...(await r.keys(`${prefix}:*`)), ...(await r.keys(`${prefix}-*`))];
  if (keys.length > 0) await r.del(...keys);
  r.disconnect();
}

/**
 * Waits until N cluster nodes have joined under a Redis key prefix (each node adds itself to
 * `<prefix>:nodes` once it has connected and loaded the registry): under `serve --workers N` the
 * port opens with the first worker, and a measurement must not start before the last.
 */
export async function waitForNodes(redisUrl: string, prefix: string, n: number, timeoutMs = 30_000) {
  const r = new Redis(redisUrl);
  try {
    const deadline = Date.now() + timeoutMs;
    while ((await r.scard(`${prefix}:nodes`)) < n) {
      if (Date.now() > deadline) throw new Error(`${n} cluster nodes did not join within ${timeoutMs} ms`);
      await new Promise((res) => setTimeout(res, 100));
    }
  } finally {
    r.disconnect();
  }
}
