// XEP-0313 archive writes taken off the delivery path ("write-behind", group commit): entries get
// their id at once (the XEP-0359 stanza-id the message carries), are queued, and written in batches,
// one batch in flight; the next starts when it completes (or on setImmediate when idle). Readers of
// the archive wait for an account's queued entries first (`settled`), stop() drains the queue, and a
// full queue makes writers wait (backpressure) rather than grow memory. A failed batch is logged and
// counted; its messages were delivered anyway (what a failed insert always meant).
import type { Logger } from "../../log.ts";
import type { ArchiveEntry } from "../../storage/mam.ts";

/** Rows per insert: one transaction each, so a batch stays short. */
export const ARCHIVE_BATCH = 500;
/** Entries queued (not yet written) before writers wait for the store. */
export const ARCHIVE_QUEUE_LIMIT = 10_000;

export interface ArchiveWriter {
  /** Queues an entry; resolves at once unless the queue is full (then when there is room). */
  add(entry: ArchiveEntry): Promise<void>;
  /** Resolves when the account's entries queued so far (every account's when undefined) are written or failed. */
  settled(account?: string): Promise<void>;
  /** Drains the queue (the store must still be open). */
  stop(): Promise<void>;
  /** Prometheus text: batches written and failed, entries lost, entries queued now. */
  metrics(): string;
}

export interface ArchiveWriterOptions {
  readonly write: (entries: readonly ArchiveEntry[]) => Promise<void>;
  readonly logger: Logger;
  readonly batch?: number;
  readonly limit?: number;
}

export function createArchiveWriter({
  write,
  logger,
  batch = ARCHIVE_BATCH,
  limit = ARCHIVE_QUEUE_LIMIT,
}: ArchiveWriterOptions): ArchiveWriter {
  let queue: ArchiveEntry[] = [];
  /** Entries queued so far (sequence numbers) and those written or failed: batches end in order. */
  let queued = 0;
  let done = 0;
  let inFlight = false;
  let scheduled = false;
  const lastOf = new Map<string, number>();
  let waiters: { seq: number; resolve: () => void }[] = [];
  let roomWaiters: (() => void)[] = [];
  const counts = { batches: 0, failed: 0, lost: 0 };

  const schedule = () => {
    if (inFlight || scheduled || queue.length === 0) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void flush();
    });
  };

  const flush = async () => {
    if (inFlight || queue.length === 0) return;
    inFlight = true;
    const taken = queue.slice(0, batch);
    queue = queue.slice(taken.length);
    try {
      await write(taken);
      counts.batches++;
    } catch (err) {
      counts.failed++;
      counts.lost += taken.length;
      // Only counts: the rows hold message contents.
      logger.error(
        { err: err instanceof Error ? err.message : String(err), entries: taken.length },
        "archiving a batch of messages failed",
      );
    }
    done += taken.length;
    inFlight = false;
    for (const [account, seq] of lastOf) if (seq <= done) lastOf.delete(account);
    const ready = waiters.filter((w) => w.seq <= done);
    waiters = waiters.filter((w) => w.seq > done);
    for (const w of ready) w.resolve();
    const room = roomWaiters;
    roomWaiters = [];
    for (const r of room) r();
    // The next batch at once when there is one: what queued meanwhile goes together.
    if (queue.length > 0) void flush();
  };

  const until = (seq: number): Promise<void> =>
    seq <= done ? Promise.resolve() : new Promise((resolve) => waiters.push({ seq, resolve }));

  return {
    async add(entry) {
      while (queue.length >= limit) await new Promise<void>((r) => roomWaiters.push(r));
      queue.push(entry);
      lastOf.set(entry.account, ++queued);
      schedule();
    },
    settled(account) {
      return until(account === undefined ? queued : (lastOf.get(account) ?? 0));
    },
    stop() {
      // A batch in flight chains the rest; otherwise this starts them.
      void flush();
      return until(queued);
    },
    metrics() {
      return (
        "# HELP xha_mam_write_batches_total XEP-0313 archive batches written.\n" +
        "# TYPE xha_mam_write_batches_total counter\n" +
        `xha_mam_write_batches_total ${counts.batches}\n` +
        "# HELP xha_mam_write_failures_total XEP-0313 archive batches that failed (messages delivered, not archived).\n" +
        "# TYPE xha_mam_write_failures_total counter\n" +
        `xha_mam_write_failures_total ${counts.failed}\n` +
        "# HELP xha_mam_write_lost_total Archive entries in failed batches.\n" +
        "# TYPE xha_mam_write_lost_total counter\n" +
        `xha_mam_write_lost_total ${counts.lost}\n` +
        "# HELP xha_mam_write_queued Archive entries waiting to be written.\n" +
        "# TYPE xha_mam_write_queued gauge\n" +
        `xha_mam_write_queued ${queued - done}\n`
      );
    },
  };
}
