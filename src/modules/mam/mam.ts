// XEP-0313 Message Archive Management for accounts: the archiver the message router calls, the
// query, metadata and preference handlers on the account's bare JID, and the retention sweep.
// Archive writes are queued (./archive-writer.ts) and preferences cached (./prefs-cache.ts).
import type { IqRegistry } from "../../router/iq-registry.ts";
import { NS_MAM, NS_MAM_EXTENDED, NS_SID } from "../../ns.ts";
import type { ChatDeps } from "../chat-deps.ts";
import { createArchiver, type Archiver } from "./archiver.ts";
import { createArchiveWriter, type ArchiveWriter } from "./archive-writer.ts";
import { createPrefsCache, type PrefsCache } from "./prefs-cache.ts";
import { registerMamPrefs } from "./prefs.ts";
import { registerMamQuery } from "./query.ts";
import { startRetention, type Retention } from "./retention.ts";

/** What the account's disco#info lists (XEP-0313 "Determining support"; XEP-0359). */
export const MAM_ACCOUNT_FEATURES = [NS_MAM, NS_MAM_EXTENDED, NS_SID] as const;

export interface Mam {
  readonly archiver: Archiver;
  readonly writer: ArchiveWriter;
  readonly prefs: PrefsCache;
  /** The retention sweep while started; undefined before start() and after stop(). */
  readonly retention: Retention | undefined;
  /** Starts the retention sweep (the store is open). */
  start(): void;
  /** Stops the sweep and writes what is queued (before the store closes). */
  stop(): Promise<void>;
}

export function registerMam(accountIq: IqRegistry, deps: ChatDeps): Mam {
  const { ctx, storage } = deps;
  const writer = createArchiveWriter({
    write: (entries) => storage.store.archive(entries),
    logger: ctx.logger,
  });
  const prefs = createPrefsCache();
  // Changed here (prefs set, account removed) or, relayed by the cluster, on another node.
  ctx.hooks.archivePrefsChanged.add((account) => prefs.forget(account));
  ctx.hooks.accountRemoved.add((account) => prefs.forget(account));
  registerMamQuery(accountIq, deps, writer);
  registerMamPrefs(accountIq, deps);
  let retention: Retention | undefined;
  return {
    archiver: createArchiver(deps, { prefs, writer }),
    writer,
    prefs,
    get retention() {
      return retention;
    },
    start() {
      retention ??= startRetention(deps);
    },
    async stop() {
      retention?.stop();
      retention = undefined;
      await writer.stop();
    },
  };
}
