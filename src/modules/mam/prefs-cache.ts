// XEP-0441 preferences are read for both parties of every archivable message: kept here per account
// (least recently used dropped past `max`) so a message costs no preference read. Entries are
// dropped when the preferences change through this server: set on this node, or announced by
// another cluster node (the archivePrefsChanged hook, relayed like accountRemoved).
import type { ArchivePrefs } from "../../storage/mam.ts";

export const PREFS_CACHE_SIZE = 5000;

export interface PrefsCache {
  /** The account's stored preferences (undefined: none set), from the cache or `load`. */
  get(account: string, load: () => Promise<ArchivePrefs | undefined>): Promise<ArchivePrefs | undefined>;
  forget(account: string): void;
  readonly size: number;
}

export function createPrefsCache(max = PREFS_CACHE_SIZE): PrefsCache {
  // Map order is insertion order: a hit re-inserts, so the first key is the least recently used.
  const entries = new Map<string, ArchivePrefs | undefined>();
  // Bumped by every forget(): a read that started before a change must not cache what it read.
  let epoch = 0;
  return {
    async get(account, load) {
      if (entries.has(account)) {
        const hit = entries.get(account);
        entries.delete(account);
        entries.set(account, hit);
        return hit;
      }
      const started = epoch;
      const prefs = await load();
      if (started === epoch) {
        entries.set(account, prefs);
        if (entries.size > max) entries.delete(entries.keys().next().value!);
      }
      return prefs;
    },
    forget(account) {
      epoch++;
      entries.delete(account);
    },
    get size() {
      return entries.size;
    },
  };
}
