// The component-ownership scripts against a real Redis (src/cluster/scripts.ts CLAIM and RELEASE): one
// node owns a JID while its lease holds, another takes it over once that lease has lapsed (a dead
// node), and a node gives up only what it owns.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { RedisLink } from "../../src/cluster/redis-link.ts";
import { silentLogger } from "../../src/log.ts";
import { REDIS_URL, dropPrefix, redisSkip, uniquePrefix } from "../helpers/redis.ts";

const prefix = uniquePrefix();
const links: RedisLink[] = [];
const ROOM = "lounge@conference.localhost";

async function link(node: string): Promise<RedisLink> {
  const l = new RedisLink({ redis: REDIS_URL, node, prefix, lease: 6 }, silentLogger(), {
    message: () => {},
    ready: () => {},
  });
  links.push(l);
  await l.connect();
  await l.takeLease(60_000);
  return l;
}

after(async () => {
  if (redisSkip !== false) return;
  for (const l of links) await l.close();
  await dropPrefix(prefix);
});

test(
  "a JID has one owner while its lease holds; a lapsed lease lets another node take it",
  { skip: redisSkip },
  async () => {
    const [x, y] = [await link("x"), await link("y")];
    assert.equal(await x.claim(ROOM), "+");
    assert.equal(await x.claim(ROOM), "=");
    assert.equal(await y.claim(ROOM), "x");
    // y may not give up x's JID.
    await y.release(ROOM);
    assert.equal(await y.claim(ROOM), "x");
    // x dies: its lease lapses (deleted here rather than waited for).
    const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      await r.del(`${prefix}:lease:x`);
    } finally {
      r.disconnect();
    }
    assert.equal(await y.claim(ROOM), "+");
    assert.equal(await y.claim(ROOM), "=");
    await x.takeLease(60_000);
    assert.equal(await x.claim(ROOM), "y");
    // A stopping node gives its JIDs up: the next claimant takes them at once.
    await y.release(ROOM);
    assert.equal(await x.claim(ROOM), "+");
  },
);
