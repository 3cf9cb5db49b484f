// XEP-0199 §4.2: the server answers a ping with an empty result.
import { NS_PING } from "../ns.ts";
import type { IqRegistry } from "../router/iq-registry.ts";
import type { DiscoRegistry } from "./disco/registry.ts";
import { iqResult } from "../stanza/errors.ts";

export function registerPing(iq: IqRegistry, disco: DiscoRegistry): void {
  disco.addServerFeature(NS_PING);
  iq.on("get", NS_PING, "ping", ({ iq: stanza }) => iqResult(stanza));
}
