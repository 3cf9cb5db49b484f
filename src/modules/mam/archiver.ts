// XEP-0313 §3.5 and XEP-0359: messages an account sends or receives are appended to its archive, if
// its preferences (XEP-0441, split out of XEP-0313) want them, and what it receives carries
// <stanza-id by=account id=…/> so every device can name the message in later queries. The id goes
// only to the archive's owner: the recipient's copy carries the recipient's id, the sender's other
// resources get the sender's id in their carbon (§3.5: "as a child of the forwarded message").
import { el, type Element } from "../../xml/element.ts";
import type { Jid } from "../../jid.ts";
import type { Session } from "../../stream/session.ts";
import { NS_SID } from "../../ns.ts";
import { withAttrs } from "../../stanza/copy.ts";
import type { ChatDeps } from "../chat-deps.ts";
import { newArchiveId, type ArchivePolicy, type ArchivePrefs } from "../../storage/mam.ts";
import { archivable, withoutOurStanzaIds } from "./archivable.ts";
import type { ArchiveWriter } from "./archive-writer.ts";
import type { PrefsCache } from "./prefs-cache.ts";

export interface Archiver {
  /**
   * A message a session sends: forged stanza-ids removed (`routed`), archived for the sender, and
   * `own`, the copy for the sender's other resources (carbons) with the sender's stanza-id.
   */
  outgoing(session: Session, stanza: Element, target: Jid): Promise<{ routed: Element; own: Element }>;
  /** A message delivered (or kept offline) for `account`: archived, returned with its stanza-id. */
  incoming(account: string, stanza: Element): Promise<Element>;
}

const bareOf = (jid: string) => jid.split("/")[0] ?? jid;

export function defaultPolicy(option: boolean | "roster"): ArchivePolicy {
  return option === "roster" ? "roster" : option ? "always" : "never";
}

export interface ArchiverParts {
  readonly prefs: PrefsCache;
  readonly writer: ArchiveWriter;
}

export function createArchiver(
  { ctx, storage }: ChatDeps,
  { prefs: cache, writer }: ArchiverParts,
): Archiver {
  const prefsOf = async (account: string): Promise<ArchivePrefs> => {
    const stored = await cache.get(account, () => storage.store.archivePrefs(account));
    if (stored !== undefined) return stored;
    const option = ctx.hosts.get(account.slice(account.indexOf("@") + 1))?.options.default_archive_policy;
    return { default: defaultPolicy(option ?? true), always: [], never: [] };
  };

  /** XEP-0441 §3 (prefs): never wins over always; the default decides for other JIDs. */
  const wants = async (account: string, other: string): Promise<boolean> => {
    const prefs = await prefsOf(account);
    if (prefs.never.includes(other)) return false;
    if (prefs.always.includes(other)) return true;
    if (prefs.default !== "roster") return prefs.default === "always";
    return other === account || (await storage.store.rosterItem(account, other)) !== undefined;
  };

  /**
   * Queues `stanza` for `account`'s archive; the archive id, or undefined when not archived. The
   * write is not awaited, even when the copy goes to another cluster node: a query there naming this
   * id waits for it a moment (./query.ts), which costs nothing until it happens, where waiting here
   * would add a database write to every message between nodes.
   */
  const archive = async (account: string, withFull: string, stanza: Element): Promise<string | undefined> => {
    const other = bareOf(withFull);
    try {
      if (!(await wants(account, other))) return undefined;
      const at = Date.now();
      const id = newArchiveId(at);
      await writer.add({ account, id, at, with: other, withFull, stanza: stanza.toString() });
      return id;
    } catch (err) {
      // The message still goes through; only its archive copy is lost.
      ctx.logger.error({ err, account }, "archiving a message failed");
      return undefined;
    }
  };
  const stamp = (stanza: Element, account: string, id: string) =>
    withAttrs(stanza, {}).append(el("stanza-id", { xmlns: NS_SID, by: account, id }));

  return {
    async outgoing(session, stanza, target) {
      const routed = withoutOurStanzaIds(stanza, ctx.hosts);
      const account = session.jid?.bare().toString();
      // A message to oneself is archived once, as received.
      if (account === undefined || !archivable(routed) || target.bare().toString() === account)
        return { routed, own: routed };
      const id = await archive(account, target.toString(), routed);
      return { routed, own: id === undefined ? routed : stamp(routed, account, id) };
    },
    async incoming(account, stanza) {
      if (!archivable(stanza)) return stanza;
      const id = await archive(account, stanza.attrs.from ?? "", stanza);
      return id === undefined ? stanza : stamp(stanza, account, id);
    },
  };
}
