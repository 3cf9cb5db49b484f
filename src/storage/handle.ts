// The chat store the modules use, opened by the server's start() and closed by stop(). Modules are
// built before start(), so they hold this handle rather than the store itself.
import type { GlobalOptions } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import { openChatStore } from "./open.ts";
import type { ChatStore } from "./store.ts";

export class StoreHandle {
  private current: ChatStore | undefined;

  /** `wrap` sees the store once opened (tests hold its writes to make races deterministic). */
  constructor(private readonly wrap: (store: ChatStore) => ChatStore = (store) => store) {}

  /** The open store; using it before start() or after stop() is a programming error. */
  get store(): ChatStore {
    if (this.current === undefined) throw new Error("the chat store is not open");
    return this.current;
  }

  async open(global: GlobalOptions, logger: Logger): Promise<void> {
    this.current ??= this.wrap(await openChatStore(global, logger));
  }

  async close(): Promise<void> {
    const s = this.current;
    this.current = undefined;
    await s?.close();
  }
}
