// Live, bound client sessions by bare and full JID (RFC 6120 §7: one full JID, one session).
import type { Session } from "../stream/session.ts";

export class SessionRegistry {
  private readonly byBareJid = new Map<string, Map<string, Session>>();

  /** Adds a bound session; returns the session it replaces (same full JID), if any. */
  add(session: Session): Session | undefined {
    const jid = session.jid;
    if (jid?.resource === undefined) throw new Error("only bound sessions are registered");
    const bare = jid.bare().toString();
    let resources = this.byBareJid.get(bare);
    if (resources === undefined) {
      resources = new Map();
      this.byBareJid.set(bare, resources);
    }
    const previous = resources.get(jid.resource);
    resources.set(jid.resource, session);
    return previous === session ? undefined : previous;
  }

  remove(session: Session): void {
    const jid = session.jid;
    if (jid?.resource === undefined) return;
    const bare = jid.bare().toString();
    const resources = this.byBareJid.get(bare);
    if (resources?.get(jid.resource) !== session) return;
    resources.delete(jid.resource);
    if (resources.size === 0) this.byBareJid.delete(bare);
  }

  get(bare: string, resource: string): Session | undefined {
    return this.byBareJid.get(bare)?.get(resource);
  }

  /** Every bound session of an account. */
  ofAccount(bare: string): Session[] {
    return [...(this.byBareJid.get(bare)?.values() ?? [])];
  }

  hasResource(bare: string, resource: string): boolean {
    return this.byBareJid.get(bare)?.has(resource) ?? false;
  }

  get size(): number {
    let n = 0;
    for (const r of this.byBareJid.values()) n += r.size;
    return n;
  }

  *all(): IterableIterator<Session> {
    for (const r of this.byBareJid.values()) yield* r.values();
  }
}
