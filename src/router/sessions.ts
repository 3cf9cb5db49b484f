// Live, bound client sessions of this process by bare and full JID (RFC 6120 §7: one full JID, one
// session): the single-node SessionDirectory, and the local part of a cluster node's directory.
import type { Session } from "../stream/session.ts";
import type { SessionDirectory } from "./directory.ts";
import { Hook } from "./hooks.ts";
import { LocalHandle, type SessionHandle, type SharedState } from "./session-handle.ts";
import type { Element } from "../xml/element.ts";

export class SessionRegistry implements SessionDirectory {
  private readonly byBareJid = new Map<string, Map<string, LocalHandle>>();
  private count = 0;
  readonly reaped = new Hook<[SessionHandle]>();
  readonly undeliverable = new Hook<[Element]>();
  readonly resynced = new Hook<[]>();

  constructor(readonly node = "local") {}

  /** Adds a bound session; returns the session it replaces (same full JID), if any. */
  add(session: Session): SessionHandle | undefined {
    const jid = session.jid;
    if (jid?.resource === undefined) throw new Error("only bound sessions are registered");
    const bare = jid.bare().toString();
    let resources = this.byBareJid.get(bare);
    if (resources === undefined) {
      resources = new Map();
      this.byBareJid.set(bare, resources);
    }
    const previous = resources.get(jid.resource);
    if (previous?.local === session) return undefined;
    resources.set(jid.resource, new LocalHandle(session, jid, this.node));
    if (previous === undefined) this.count++;
    return previous;
  }

  remove(session: Session): void {
    const handle = this.handleOf(session);
    if (handle === undefined) return;
    const bare = handle.jid.bare().toString();
    const resources = this.byBareJid.get(bare);
    resources?.delete(handle.jid.resource ?? "");
    this.count--;
    if (resources?.size === 0) this.byBareJid.delete(bare);
  }

  get(bare: string, resource: string): LocalHandle | undefined {
    return this.byBareJid.get(bare)?.get(resource);
  }

  ofAccount(bare: string): LocalHandle[] {
    return [...(this.byBareJid.get(bare)?.values() ?? [])];
  }

  handleOf(session: Session): LocalHandle | undefined {
    const jid = session.jid;
    if (jid?.resource === undefined) return undefined;
    const h = this.get(jid.bare().toString(), jid.resource);
    return h?.local === session ? h : undefined;
  }

  update(session: Session, patch: Partial<SharedState>): void {
    const h = this.handleOf(session);
    if (h !== undefined) h.state = { ...h.state, ...patch };
  }

  get localCount(): number {
    return this.count;
  }

  get clusterCount(): number {
    return this.count;
  }

  get acceptingLogins(): boolean {
    return true;
  }

  *localSessions(): IterableIterator<LocalHandle> {
    for (const r of this.byBareJid.values()) yield* r.values();
  }

  allSessions(): IterableIterator<LocalHandle> {
    return this.localSessions();
  }

  published(): Promise<void> {
    return Promise.resolve();
  }

  caughtUp(): Promise<void> {
    return Promise.resolve();
  }
}
