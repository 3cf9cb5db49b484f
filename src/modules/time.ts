// XEP-0202 §4: the server's time, in UTC with a zero offset (what Prosody's mod_time answers too);
// XEP-0012 §5: "last activity" of the server itself is the seconds since it started (Prosody's
// mod_uptime; Gajim shows it as the server's uptime). Both default-enabled in Debian's Prosody.
import { el } from "../xml/element.ts";
import { NS_LAST, NS_TIME } from "../ns.ts";
import type { IqRegistry } from "../router/iq-registry.ts";
import type { DiscoRegistry } from "./disco/registry.ts";
import { errorReply, iqResult } from "../stanza/errors.ts";

export function registerTimeAndUptime(iq: IqRegistry, disco: DiscoRegistry): void {
  const started = performance.now();
  disco.addServerFeature(NS_TIME, NS_LAST);
  iq.on("get", NS_TIME, "time", ({ iq: stanza }) => {
    // Accounts answer from their own clients (full JIDs); only the server answers here.
    if (stanza.attrs.to?.includes("@") === true) return errorReply(stanza, "service-unavailable");
    return iqResult(
      stanza,
      el("time", { xmlns: NS_TIME }, el("tzo", {}, "+00:00"), el("utc", {}, new Date().toISOString())),
    );
  });
  iq.on("get", NS_LAST, "query", ({ iq: stanza }) => {
    // A user's last activity is not kept; only the server's uptime is answered.
    if (stanza.attrs.to?.includes("@") === true) return errorReply(stanza, "service-unavailable");
    const seconds = Math.floor((performance.now() - started) / 1000);
    return iqResult(stanza, el("query", { xmlns: NS_LAST, seconds: String(seconds) }));
  });
}
