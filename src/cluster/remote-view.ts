// This node's replica of the sessions bound on the other nodes, by bare JID and resource.
import type { Jid } from "../jid.ts";
import type { RemoteHandle } from "./remote-handle.ts";

export class RemoteView {
  private readonly byBare = new Map<string, Map<string, RemoteHandle>>();
  private count = 0;

  constructor(private readonly self: string) {}

  get size(): number {
    return this.count;
  }

  get(bare: string, resource: string): RemoteHandle | undefined {
    return this.byBare.get(bare)?.get(resource);
  }

  ofAccount(bare: string): RemoteHandle[] {
    return [...(this.byBare.get(bare)?.values() ?? [])];
  }

  *all(): IterableIterator<RemoteHandle> {
    for (const m of this.byBare.values()) yield* m.values();
  }

  /** Adds or updates; of two sessions for one full JID the newer stays. */
  set(h: RemoteHandle): void {
    if (h.node === this.self) return;
    const bare = h.jid.bare().toString();
    let m = this.byBare.get(bare);
    if (m === undefined) this.byBare.set(bare, (m = new Map<string, RemoteHandle>()));
    const old = m.get(h.jid.resource ?? "");
    if (old !== undefined && old.sid !== h.sid && old.since > h.since) return;
    if (old === undefined) this.count++;
    m.set(h.jid.resource ?? "", h);
  }

  remove(jid: Jid, sid: string): void {
    this.removeKey(jid.bare().toString(), jid.resource ?? "", sid);
  }

  /**
   * The same for a full JID as the registry spells it (a normalised JID's text, so the first "/"
   * ends the bare JID): no JID parsing (PRECIS) for each announced logout, most of them not ours.
   */
  removeText(jid: string, sid: string): void {
    const slash = jid.indexOf("/");
    if (slash < 0) return this.removeKey(jid, "", sid);
    this.removeKey(jid.slice(0, slash), jid.slice(slash + 1), sid);
  }

  private removeKey(bare: string, resource: string, sid: string): void {
    const m = this.byBare.get(bare);
    if (m?.get(resource)?.sid !== sid) return;
    m.delete(resource);
    this.count--;
    if (m.size === 0) this.byBare.delete(bare);
  }

  replace(all: Iterable<RemoteHandle>): void {
    this.byBare.clear();
    this.count = 0;
    for (const h of all) this.set(h);
  }
}
