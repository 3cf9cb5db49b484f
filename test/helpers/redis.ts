// The cluster tests use the Redis at 127.0.0.1:6379 (here and in CI), each run under a key prefix of
// its own, so parallel runs never collide; a test that restarts Redis starts its own redis-server on
// an ephemeral port. Without Redis the tests are skipped with the reason; under CI it is a failure.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { freePort } from "./free-port.ts";

export const REDIS_URL = process.env.XHA_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

async function probe(): Promise<string | false> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on("error", () => {});
  try {
    await r.connect();
    await r.ping();
    return false;
  } catch (err) {
    const reason = `Redis at ${REDIS_URL} is unreachable (${(err as Error).message}); start one or set XHA_TEST_REDIS_URL`;
    if (process.env.CI === "true")
      throw new Error(`CI must run the cluster tests: ${reason}`, { cause: err });
    return reason;
  } finally {
    r.disconnect();
  }
}

/** `false` when Redis answers; otherwise why the cluster tests are skipped. */
export const redisSkip: string | false = await probe();

export function uniquePrefix(): string {
  return `xhatest-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** Deletes every key under a prefix (the test's leftovers). */
export async function dropPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const keys = await r.keys(`${prefix}:*`);
    if (keys.length > 0) await r.del(...keys);
  } finally {
    r.disconnect();
  }
}

/** A redis-server of the test's own, on a free port, that the test may stop and start again. */
export class OwnRedis {
  private child: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<OwnRedis> {
    const r = new OwnRedis(await freePort());
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
    this.child = spawn("redis-server", args, { stdio: "ignore" });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const r = new Redis(this.url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      r.on("error", () => {});
      try {
        await r.connect();
        await r.ping();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((res) => setTimeout(res, 50));
      } finally {
        r.disconnect();
      }
    }
  }

  /** Stops it the hard way (its data goes with it: nothing is saved). */
  async down(): Promise<void> {
    const c = this.child;
    if (c === undefined || c.exitCode !== null) return;
    const exited = new Promise((res) => c.once("exit", res));
    c.kill("SIGKILL");
    await exited;
  }
}
