// What the chat modules (roster, presence, message, carbons) share: the server context and the
// chat store handle. Passed explicitly to each factory.
import type { ServerContext } from "../server-context.ts";
import type { StoreHandle } from "../storage/handle.ts";

export interface ChatDeps {
  readonly ctx: ServerContext;
  readonly storage: StoreHandle;
}
