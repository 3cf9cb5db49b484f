// XEP-0441 (archiving preferences, split out of XEP-0313, in the urn:xmpp:mam:2 namespace): get returns the
// account's <prefs default='always|never|roster'><always/><never/></prefs> (the host's
// default_archive_policy until it sets its own); set replaces them and returns what was stored.
// JIDs are kept bare (they are matched against the other party's bare JID).
import { el, type Element } from "../../xml/element.ts";
import { NS_MAM } from "../../ns.ts";
import type { IqRegistry } from "../../router/iq-registry.ts";
import { errorReply, iqResult } from "../../stanza/errors.ts";
import { tryParseJid } from "../../jid.ts";
import type { ChatDeps } from "../chat-deps.ts";
import { accountOf } from "../account-data/stored-xml.ts";
import type { ArchivePolicy, ArchivePrefs } from "../../storage/mam.ts";
import { defaultPolicy } from "./archiver.ts";

/** JIDs per list: every message reads the lists, so they stay small. */
export const MAX_PREF_JIDS = 1000;

const POLICIES: readonly string[] = ["always", "never", "roster"];

function prefsElement(p: ArchivePrefs): Element {
  const list = (name: string, jids: readonly string[]) => el(name, {}, ...jids.map((j) => el("jid", {}, j)));
  return el("prefs", { xmlns: NS_MAM, default: p.default }, list("always", p.always), list("never", p.never));
}

export function registerMamPrefs(iq: IqRegistry, { ctx, storage }: ChatDeps): void {
  iq.on("get", NS_MAM, "prefs", async (c) => {
    const { account, own } = accountOf(c);
    if (!own) return errorReply(c.iq, "forbidden");
    const option = ctx.hosts.get(c.session.jid?.domain ?? "")?.options.default_archive_policy ?? true;
    const prefs = (await storage.store.archivePrefs(account)) ?? {
      default: defaultPolicy(option),
      always: [],
      never: [],
    };
    return iqResult(c.iq, prefsElement(prefs));
  });

  iq.on("set", NS_MAM, "prefs", async (c) => {
    const { account, own } = accountOf(c);
    if (!own) return errorReply(c.iq, "forbidden");
    const policy = c.payload.attrs.default ?? "";
    if (!POLICIES.includes(policy))
      return errorReply(c.iq, "bad-request", { text: "default must be always, never or roster" });
    const read = (name: string): string[] | string => {
      const jids: string[] = [];
      for (const j of c.payload.getChild(name)?.getChildren("jid") ?? []) {
        const jid = tryParseJid(j.text().trim());
        if (jid === undefined) return `Not a JID in <${name}/>`;
        jids.push(jid.bare().toString());
      }
      const unique = [...new Set(jids)];
      return unique.length > MAX_PREF_JIDS ? `At most ${MAX_PREF_JIDS} JIDs in <${name}/>` : unique;
    };
    const always = read("always");
    const never = read("never");
    if (typeof always === "string") return errorReply(c.iq, "bad-request", { text: always });
    if (typeof never === "string") return errorReply(c.iq, "bad-request", { text: never });
    const prefs: ArchivePrefs = { default: policy as ArchivePolicy, always, never };
    await storage.store.setArchivePrefs(account, prefs);
    // The archiver's cache here and, through the cluster, on the other nodes.
    ctx.hooks.archivePrefsChanged.run(
      (err) => ctx.logger.error({ err }, "archive-prefs hook failed"),
      account,
    );
    return iqResult(c.iq, prefsElement(prefs));
  });
}
