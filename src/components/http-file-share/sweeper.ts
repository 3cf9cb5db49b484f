// Expiry (Prosody's http_file_share_expires_after): a timer, unref'd so it never keeps the process
// alive, deletes expired files and then their rows, a batch at a time. Every cluster node may sweep:
// a file already gone is not an error and deleting a row twice is harmless.
import type { Logger } from "../../log.ts";
import type { UploadStore } from "../../storage/upload.ts";
import type { FileStore } from "./file-store.ts";

const BATCH = 200;

export interface SweeperDeps {
  readonly domain: string;
  readonly store: () => UploadStore;
  readonly files: FileStore;
  readonly logger: Logger;
  readonly now: () => number;
}

/** Deletes every upload of the service expired at now(); returns how many. */
export async function sweepExpired(deps: SweeperDeps): Promise<number> {
  let total = 0;
  for (;;) {
    const ids = await deps.store().expiredUploadSlots(deps.domain, deps.now(), BATCH);
    // Files first: a row without its file is served as 404; a file without its row is lost forever.
    for (const id of ids) await deps.files.remove(id);
    await deps.store().deleteUploadSlots(ids);
    total += ids.length;
    if (ids.length < BATCH) return total;
  }
}

export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: SweeperDeps,
    private readonly intervalMs: number,
  ) {}

  /** Sweeps at once (what expired while the server was down), then every interval. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.sweep().catch(() => {}), this.intervalMs).unref();
    void this.sweep().catch(() => {});
  }

  /** One pass (never two at once); failures are logged and retried at the next tick. */
  sweep(): Promise<number> {
    const run = this.running.then(() => sweepExpired(this.deps));
    this.running = run.catch((err: unknown) =>
      this.deps.logger.error({ err, service: this.deps.domain }, "upload expiry sweep failed"),
    );
    return run;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
