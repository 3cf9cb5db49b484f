// XEP-0092 §2: the server's software name and version. The operating system is left out on
// purpose: the XEP makes it optional and it only helps an attacker.
import { el } from "../xml/element.ts";
import { NS_VERSION } from "../ns.ts";
import type { IqRegistry } from "../router/iq-registry.ts";
import type { DiscoRegistry } from "./disco/registry.ts";
import { errorReply, iqResult } from "../stanza/errors.ts";
import { VERSION } from "../version.ts";

export function registerVersion(iq: IqRegistry, disco: DiscoRegistry): void {
  disco.addServerFeature(NS_VERSION);
  iq.on("get", NS_VERSION, "query", ({ iq: stanza }) => {
    // Only the server answers for itself; accounts answer from their own clients (full JIDs).
    if (stanza.attrs.to?.includes("@") === true) return errorReply(stanza, "service-unavailable");
    return iqResult(
      stanza,
      el("query", { xmlns: NS_VERSION }, el("name", {}, "xmpp-http-auth"), el("version", {}, VERSION)),
    );
  });
}
