// The write-behind archive queue (src/modules/mam/archive-writer.ts): batches with one in flight,
// what queues meanwhile goes in the next batch, settled() per account and for all, backpressure at
// the bound, a failed batch counted and the queue going on, stop() draining.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { createLogger } from "../../src/log.ts";
import { createArchiveWriter } from "../../src/modules/mam/archive-writer.ts";
import type { ArchiveEntry } from "../../src/storage/mam.ts";

const entry = (account: string, n: number): ArchiveEntry => ({
  account,
  id: String(n).padStart(6, "0"),
  at: n,
  with: "x@localhost",
  withFull: "x@localhost",
  stanza: `<message><body>secret ${n}</body></message>`,
});

/** A store whose writes wait until the test lets them go, one call at a time. */
function heldStore() {
  const calls: { entries: readonly ArchiveEntry[]; done: (err?: Error) => void }[] = [];
  let arrived: (() => void) | undefined;
  return {
    calls,
    write: (entries: readonly ArchiveEntry[]) =>
      new Promise<void>((resolve, reject) => {
        calls.push({ entries, done: (err) => (err === undefined ? resolve() : reject(err)) });
        arrived?.();
      }),
    /** Resolves once `n` writes have been called. */
    async calledTimes(n: number) {
      while (calls.length < n) await new Promise<void>((r) => (arrived = r));
    },
  };
}

function logs() {
  const lines: string[] = [];
  const logger = createLogger({
    level: "debug",
    destination: new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    }),
  });
  return { lines, logger };
}

test("one batch in flight; what queues meanwhile is the next batch; settled per account", async () => {
  const store = heldStore();
  const writer = createArchiveWriter({ write: store.write, logger: logs().logger, batch: 3 });
  await writer.add(entry("a", 1));
  await store.calledTimes(1);
  for (let i = 2; i <= 6; i++) await writer.add(entry(i % 2 === 0 ? "b" : "a", i));
  let aSettled = false;
  let bSettled = false;
  const a = writer.settled("a").then(() => (aSettled = true));
  const b = writer.settled("b").then(() => (bSettled = true));
  assert.equal(store.calls.length, 1, "no second batch while the first is in flight");
  store.calls[0]!.done();
  await store.calledTimes(2);
  assert.deepEqual(
    store.calls[1]!.entries.map((e) => e.at),
    [2, 3, 4],
  );
  store.calls[1]!.done();
  await store.calledTimes(3);
  assert.deepEqual(
    store.calls[2]!.entries.map((e) => e.at),
    [5, 6],
  );
  assert.equal(aSettled || bSettled, false, "a and b each have an entry in the last batch");
  store.calls[2]!.done();
  await Promise.all([a, b]);
  await writer.settled();
  await writer.settled("nobody");
});

test("a full queue makes add() wait until a batch is written", async () => {
  const store = heldStore();
  const writer = createArchiveWriter({ write: store.write, logger: logs().logger, batch: 2, limit: 2 });
  await writer.add(entry("a", 1));
  await store.calledTimes(1);
  await writer.add(entry("a", 2));
  await writer.add(entry("a", 3));
  let added = false;
  const fourth = writer.add(entry("a", 4)).then(() => (added = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(added, false, "waits: two queued behind the batch in flight");
  store.calls[0]!.done();
  await fourth;
  assert.match(writer.metrics(), /^xha_mam_write_queued [1-3]$/m);
  await store.calledTimes(2);
  store.calls[1]!.done();
  await store.calledTimes(3);
  store.calls[2]!.done();
  await writer.stop();
  assert.deepEqual(
    store.calls.flatMap((c) => c.entries.map((e) => e.at)),
    [1, 2, 3, 4],
  );
});

test("a failed batch is logged without contents and counted; the queue goes on; stop() drains", async () => {
  const store = heldStore();
  const { lines, logger } = logs();
  const writer = createArchiveWriter({ write: store.write, logger });
  await writer.add(entry("a", 1));
  await store.calledTimes(1);
  await writer.add(entry("a", 2));
  const settled = writer.settled("a");
  store.calls[0]!.done(new Error("disk full"));
  await store.calledTimes(2);
  const stopped = writer.stop();
  store.calls[1]!.done();
  await Promise.all([settled, stopped]);
  const text = writer.metrics();
  assert.match(text, /^xha_mam_write_failures_total 1$/m);
  assert.match(text, /^xha_mam_write_lost_total 1$/m);
  assert.match(text, /^xha_mam_write_batches_total 1$/m);
  assert.match(text, /^xha_mam_write_queued 0$/m);
  assert.ok(lines.some((l) => l.includes("archiving a batch of messages failed")));
  assert.ok(!lines.some((l) => l.includes("secret")), "no message contents logged");
});
