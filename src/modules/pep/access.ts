// XEP-0060 §4.5 access models as PEP uses them (XEP-0163 §4.2): "presence" lets the owner and the
// contacts with a presence subscription to the owner (from/both in the owner's roster) read a node,
// "open" anyone, "whitelist" the owner alone (XEP-0223 private storage).
import type { ChatStore } from "../../storage/store.ts";
import { hasFrom } from "../roster/subscription-states.ts";
import type { NodeConfig } from "./node-config.ts";

/** Why `requester` may not read the node: XEP-0060 §6.5.9's conditions, or undefined when it may. */
export type Denial = "presence-subscription-required" | "closed-node";

export async function denial(
  store: ChatStore,
  owner: string,
  requester: string,
  config: NodeConfig,
): Promise<Denial | undefined> {
  if (requester === owner || config.access_model === "open") return undefined;
  if (config.access_model === "whitelist") return "closed-node";
  const item = await store.rosterItem(owner, requester);
  return item !== undefined && hasFrom(item) ? undefined : "presence-subscription-required";
}
