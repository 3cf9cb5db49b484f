// Waits until N cluster nodes have joined under a Redis key prefix (each node adds itself to
// `<prefix>:nodes` once it has connected and loaded the registry): under `serve --workers N` the
// port opens with the first worker, and a measurement must not start before the last.
import { Redis } from "ioredis";

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
