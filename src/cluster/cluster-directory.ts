// A cluster node's SessionDirectory: its own sessions (the local registry) plus a replica of every
// other node's, kept in a Redis hash and announced over pub/sub, so lookups stay synchronous and
// local. Each node holds a lease it renews; a node whose lease lapses is reaped by a live one
// (docs/cluster.md has the bounds and what happens while Redis is unreachable).
import type { Logger } from "../log.ts";
import type { Element } from "../xml/element.ts";
import { parseJid, tryParseJid, type Jid } from "../jid.ts";
import type { Session } from "../stream/session.ts";
import type { ServerHooks } from "../server-context.ts";
import type { SessionDirectory } from "../router/directory.ts";
import type { SessionHandle, SharedState } from "../router/session-handle.ts";
import { SessionRegistry } from "../router/sessions.ts";
import type { StreamErrorCondition } from "../xml/stream-errors.ts";
import { parseStoredElement } from "../xml/parse-stored.ts";
import { XhaError } from "../errors.ts";
import type { ClusterOptions } from "./config.ts";
import { RemoteHandle, type NodeLink } from "./remote-handle.ts";
import {
  fromWireState,
  parseChange,
  parseEntry,
  parseMessage,
  RELAYED_ACCOUNT_HOOKS,
  type RelayedAccountHook,
  toWireState,
  type Broadcast,
  type Change,
  type Direct,
  type Entry,
} from "./wire.ts";
import { RedisLink } from "./redis-link.ts";
import { RemoteView } from "./remote-view.ts";
import { safeUrl } from "../safe-url.ts";
import type { ComponentLink, ComponentLinkHandler, LeftKind } from "../components/clustered.ts";

export interface ClusterStats {
  routedOut: number;
  routedIn: number;
  /** Round trip of the last lease renewal, in seconds (NaN before the first). */
  redisLatency: number;
}

export class ClusterDirectory implements SessionDirectory, NodeLink, ComponentLink {
  private readonly local: SessionRegistry;
  private readonly view: RemoteView;
  private readonly since = new WeakMap<Session, number>();
  /** Each local session's last update on its way to Redis (see published()). */
  private readonly writes = new WeakMap<Session, Promise<void>>();
  private readonly redis: RedisLink;
  private readonly leaseMs: number;
  private readonly ownBatch: string;
  private lastRenew = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<Promise<unknown>>();
  /** Binds in progress: their registration, with the end of a session replaced on another node. */
  private readonly binding = new WeakMap<Session, Promise<void>>();
  /** Close orders waiting for their `ended` answer, by ref. */
  private readonly awaitingEnd = new Map<string, () => void>();
  private refs = 0;
  private readonly endWaitMs: number;
  private hooks: ServerHooks | undefined;
  private relaying = false;
  private readonly componentHandlers: ComponentLinkHandler[] = [];
  private started = false;
  readonly stats: ClusterStats = { routedOut: 0, routedIn: 0, redisLatency: Number.NaN };

  constructor(
    readonly options: ClusterOptions,
    private readonly logger: Logger,
  ) {
    this.local = new SessionRegistry(options.node);
    this.view = new RemoteView(options.node);
    this.leaseMs = options.lease * 1000;
    // A node that cannot end a session within a renewal period is busy or dying: bind goes on.
    this.endWaitMs = this.leaseMs / 3;
    this.redis = new RedisLink(options, logger, {
      message: (channel, text) => {
        try {
          this.onMessage(channel, text);
        } catch (err) {
          this.warn(err, "handling a cluster message");
        }
      },
      // After a reconnection the announcements in between are lost: take a fresh copy once both
      // connections are back (whichever comes back last starts it).
      ready: () => {
        if (this.started && this.up) this.track(this.resync());
      },
    });
    this.ownBatch = this.redis.batchOpening;
  }

  get reaped() {
    return this.local.reaped;
  }
  get undeliverable() {
    return this.local.undeliverable;
  }
  get resynced() {
    return this.local.resynced;
  }

  /** Connects, registers this node and loads the others' sessions; throws when Redis cannot be reached. */
  async start(hooks: ServerHooks): Promise<void> {
    this.hooks = hooks;
    for (const kind of RELAYED_ACCOUNT_HOOKS) hooks[kind].add((bare) => this.announceAccount(kind, bare));
    try {
      await this.redis.connect();
      await this.rejoin();
    } catch (err) {
      await this.redis.close();
      throw new XhaError(
        "XHA_CLUSTER",
        `cluster: cannot reach Redis at ${safeUrl(this.options.redis)}: ${(err as Error).message}`,
      );
    }
    this.started = true;
    this.timer = setInterval(() => this.track(this.tick()), this.leaseMs / 3);
    this.timer.unref();
    this.logger.info({ node: this.options.node, sessions: this.view.size }, "joined the cluster");
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.timer !== undefined) clearInterval(this.timer);
    for (const done of [...this.awaitingEnd.values()]) done();
    await Promise.allSettled([...this.pending]);
    if (this.redis.commandsUp) {
      // All in one batch.
      const gone = [...this.local.localSessions()].map((h) => this.unregister(h.jid, h.sid).catch(() => {}));
      await Promise.all(gone);
      await this.redis.dropLease().catch(() => {});
    }
    await this.redis.close();
  }

  // --- SessionDirectory ---

  add(session: Session): SessionHandle | undefined {
    const jid = session.jid;
    if (jid?.resource === undefined) throw new Error("only bound sessions are registered");
    // A session on another node is ended by register(), on Redis's word of who held the JID.
    const previous = this.local.add(session);
    this.since.set(session, Date.now());
    const registered = this.register(session, true);
    this.track(registered);
    this.binding.set(session, registered);
    return previous;
  }

  bindSettled(session: Session): Promise<void> | undefined {
    const registered = this.binding.get(session);
    this.binding.delete(session);
    if (registered === undefined) return undefined;
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.logger.warn(
          { jid: session.jid?.toString(), waitedMs: this.endWaitMs },
          "cluster: bind goes on unconfirmed (Redis, or the node of the session it replaces, did not answer)",
        );
        resolve();
      }, this.endWaitMs);
      void registered.then(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  remove(session: Session): void {
    const h = this.local.handleOf(session);
    if (h === undefined) return;
    this.local.remove(session);
    this.track(this.unregister(h.jid, h.sid).catch((err: unknown) => this.warn(err, "unregister")));
  }

  get(bare: string, resource: string): SessionHandle | undefined {
    return this.local.get(bare, resource) ?? (this.up ? this.view.get(bare, resource) : undefined);
  }

  ofAccount(bare: string): SessionHandle[] {
    const mine = this.local.ofAccount(bare);
    if (!this.up) return mine;
    const others = this.view.ofAccount(bare).filter((r) => !mine.some((m) => m.jid.equals(r.jid)));
    return [...mine, ...others];
  }

  handleOf(session: Session): SessionHandle | undefined {
    return this.local.handleOf(session);
  }

  localSessions(): Iterable<SessionHandle> {
    return this.local.localSessions();
  }

  *allSessions(): IterableIterator<SessionHandle> {
    yield* this.local.localSessions();
    // As get(): remote sessions only while Redis answers; a local one wins over a stale replica.
    if (!this.up) return;
    for (const r of this.view.all())
      if (this.local.get(r.jid.bare().toString(), r.jid.resource ?? "") === undefined) yield r;
  }

  update(session: Session, patch: Partial<SharedState>): void {
    this.local.update(session, patch);
    const h = this.local.handleOf(session);
    if (h === undefined || !this.up) return;
    const jid = h.jid.toString();
    const entry = this.entryOf(session, h.state);
    const text = JSON.stringify(entry);
    const announce = JSON.stringify({ t: "set", jid, e: entry } satisfies Broadcast);
    const write = this.redis.replace(jid, h.sid, text, announce).then(
      () => undefined,
      (err: unknown) => this.warn(err, "update"),
    );
    this.writes.set(session, write);
    this.track(write);
  }

  // One connection runs a node's commands in order: the last write settling means all earlier did.
  // Both waits are bounded by the lease: a Redis that answers slower than that is a fault, not a
  // reason to hold offline delivery (or the sender's stanzas) with it.
  published(session: Session): Promise<void> {
    const write = this.writes.get(session);
    return write === undefined ? Promise.resolve() : this.withinLease(write, "publishing a session");
  }

  caughtUp(): Promise<void> {
    if (!this.up) return Promise.resolve();
    return this.withinLease(
      this.redis.barrier().catch((err: unknown) => this.warn(err, "catching up")),
      "catching up",
    );
  }

  private withinLease(work: Promise<void>, what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.warn(new Error(`no answer within the lease (${this.leaseMs} ms)`), what);
        resolve();
      }, this.leaseMs);
      timer.unref();
    });
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
  }

  get localCount(): number {
    return this.local.localCount;
  }

  get clusterCount(): number {
    return this.local.localCount + (this.up ? this.view.size : 0);
  }

  /** Logins are refused once the lease may have lapsed: another node may have reaped us by then. */
  get acceptingLogins(): boolean {
    return Date.now() - this.lastRenew < this.leaseMs;
  }

  // --- NodeLink ---

  /** Remote sessions are visible only while Redis answers (docs/cluster.md, "Faults"). */
  get up(): boolean {
    return this.redis.up;
  }

  sendStanza(node: string, jid: Jid, stanza: Element): void {
    const text = JSON.stringify({
      t: "stanza",
      jid: jid.toString(),
      xml: stanza.toString(),
    } satisfies Direct);
    this.stats.routedOut++;
    const undeliverable = () =>
      this.local.undeliverable.run((e) => this.warn(e, "undeliverable hook"), stanza);
    this.track(
      this.redis.publish(this.redis.nodeChannel(node), text).then(
        // Nobody listening: the node died and is not reaped yet. The stanza is not lost for that.
        (listeners) => {
          if (listeners === 0) undeliverable();
        },
        (err: unknown) => {
          this.warn(err, "routing a stanza");
          undeliverable();
        },
      ),
    );
  }

  closeRemote(node: string, jid: Jid, sid: string, cond: StreamErrorCondition, text?: string): void {
    const order: Direct = {
      t: "close",
      jid: jid.toString(),
      sid,
      cond,
      ...(text === undefined ? {} : { text }),
    };
    this.track(
      this.redis
        .publish(this.redis.nodeChannel(node), JSON.stringify(order))
        .catch((err: unknown) => this.warn(err, "close")),
    );
  }

  // --- ComponentLink (components owning JIDs, e.g. MUC rooms: ../components/clustered.ts) ---

  get node(): string {
    return this.options.node;
  }

  claim(jid: string): Promise<string> {
    return this.redis.claim(jid);
  }

  release(jid: string): Promise<void> {
    return this.redis.release(jid);
  }

  forward(node: string, from: Jid, to: Jid, stanza: Element): Promise<number> {
    const m: Direct = { t: "component", jid: from.toString(), to: to.toString(), xml: stanza.toString() };
    this.stats.routedOut++;
    return this.redis.publish(this.redis.nodeChannel(node), JSON.stringify(m));
  }

  announceLeft(kind: LeftKind, jid: Jid): void {
    const m: Broadcast = { t: "left", kind, jid: jid.toString(), from: this.options.node };
    this.track(
      this.redis
        .publish(this.redis.allChannel, JSON.stringify(m))
        .catch((err: unknown) => this.warn(err, "announcing a departure")),
    );
  }

  onComponent(handler: ComponentLinkHandler): void {
    this.componentHandlers.push(handler);
  }

  /** Health for /healthz: degraded while Redis does not answer. */
  health(): { ok: boolean; text: string } {
    if (!this.acceptingLogins)
      return { ok: false, text: "degraded: cut off from the cluster, not accepting logins" };
    if (!this.up) return { ok: true, text: "degraded: Redis unreachable, serving local sessions" };
    return { ok: true, text: "ok" };
  }

  // --- Redis side ---

  private entryOf(session: Session, state: SharedState): Entry {
    return {
      node: this.options.node,
      sid: session.id,
      since: this.since.get(session) ?? 0,
      state: toWireState(state),
    };
  }

  /** `endOld`: a bind waits (bindSettled) for the end of the session it replaces on another node. */
  private async register(session: Session, endOld = false): Promise<void> {
    const h = this.local.handleOf(session);
    if (h === undefined || !this.redis.commandsUp) return;
    const jid = h.jid.toString();
    const entry = this.entryOf(session, h.state);
    const announce = JSON.stringify({ t: "set", jid, e: entry } satisfies Broadcast);
    try {
      const [stored, old] = await this.redis.register(
        jid,
        JSON.stringify(entry),
        h.sid,
        entry.since,
        announce,
      );
      const other = old === "" ? undefined : parseEntry(old);
      if (other === undefined || other.sid === h.sid) return;
      // RFC 6120 §7.7.2.2 across nodes: the older of two sessions for one full JID is ended.
      if (stored === 0)
        return session.close("conflict", "Replaced by a newer connection with the same resource");
      if (other.node === this.options.node) return;
      const text = "Replaced by a new connection with the same resource";
      if (endOld) await this.endRemote(other.node, h.jid, other.sid, text);
      else this.closeRemote(other.node, h.jid, other.sid, "conflict", text);
    } catch (err) {
      this.warn(err, "register");
    }
  }

  /**
   * Orders a session on another node closed with `conflict` and settles once that node says its end
   * is done (its unavailable presence published), at once when no node listens, else after a while.
   */
  private endRemote(node: string, jid: Jid, sid: string, text: string): Promise<void> {
    const ref = String(++this.refs);
    const order: Direct = {
      t: "close",
      jid: jid.toString(),
      sid,
      cond: "conflict",
      text,
      from: this.node,
      ref,
    };
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.awaitingEnd.delete(ref);
        resolve();
      };
      const t = setTimeout(done, this.endWaitMs);
      this.awaitingEnd.set(ref, done);
      this.redis.publish(this.redis.nodeChannel(node), JSON.stringify(order)).then(
        // Nobody listening: the node died; the lease reaper sends the unavailable presence.
        (listeners) => {
          if (listeners === 0) done();
        },
        (err: unknown) => {
          this.warn(err, "close");
          done();
        },
      );
    });
  }

  private async unregister(jid: Jid, sid: string): Promise<void> {
    if (!this.redis.commandsUp) return;
    const announce = JSON.stringify({ t: "del", jid: jid.toString(), sid } satisfies Broadcast);
    await this.redis.replace(jid.toString(), sid, "", announce);
  }

  /** Renews the lease; when it had lapsed (or Redis lost it), registers everything again. */
  private async tick(): Promise<void> {
    if (!this.redis.commandsUp) return;
    try {
      const sent = Date.now();
      const t0 = performance.now();
      const kept = await this.redis.renew(this.leaseMs);
      this.stats.redisLatency = (performance.now() - t0) / 1000;
      if (!kept) await this.rejoin();
      else this.lastRenew = sent;
      await this.reapDeadNodes();
    } catch (err) {
      this.warn(err, "lease renewal");
    }
  }

  /** Takes the lease and registers every local session again, then reloads the others'. */
  private async rejoin(): Promise<void> {
    const sent = Date.now();
    await this.redis.takeLease(this.leaseMs);
    this.lastRenew = sent;
    for (const h of this.local.localSessions()) if (h.local !== undefined) await this.register(h.local);
    await this.loadSnapshot();
  }

  private async resync(): Promise<void> {
    try {
      // Changes made while Redis was away were not written: register everything again.
      await this.rejoin();
      this.logger.info({ node: this.options.node, remote: this.view.size }, "cluster view reloaded");
      this.local.resynced.run((err) => this.warn(err, "resynced hook"));
    } catch (err) {
      this.warn(err, "resync");
    }
  }

  private async loadSnapshot(): Promise<void> {
    const all = await this.redis.snapshot();
    const entries = Object.entries(all).map(([jid, text]) => [jid, parseEntry(text)] as const);
    this.view.replace(entries.flatMap(([jid, e]) => this.handleFrom(jid, e) ?? []));
    // Our own sessions that ended while Redis was away are still there: drop them now.
    for (const [jid, e] of entries) {
      if (e?.node !== this.options.node) continue;
      const j = parseJid(jid);
      if (this.local.get(j.bare().toString(), j.resource ?? "")?.sid !== e.sid)
        await this.unregister(j, e.sid);
    }
  }

  private async reapDeadNodes(): Promise<void> {
    for (const node of await this.redis.otherNodes()) {
      const flat = await this.redis.reap(node);
      if (flat.length === 0) continue;
      this.logger.warn(
        { node, sessions: flat.length / 2 },
        "a cluster node's lease lapsed: its sessions are dropped",
      );
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const h = this.handleFrom(flat[i] ?? "", parseEntry(flat[i + 1] ?? ""));
        if (h === undefined) continue;
        this.view.remove(h.jid, h.sid);
        this.local.reaped.run((err) => this.warn(err, "reaped hook"), h);
      }
    }
  }

  private handleFrom(jid: string, e: Entry | undefined): RemoteHandle | undefined {
    if (e === undefined || e.node === this.options.node) return undefined;
    try {
      return new RemoteHandle(parseJid(jid), e.node, e.sid, e.since, fromWireState(e.state), this);
    } catch {
      return undefined;
    }
  }

  private onMessage(channel: string, text: string): void {
    if (channel === this.redis.allChannel) {
      // Our own registry changes come back too: nothing to learn from them.
      if (text.startsWith(this.ownBatch)) return;
      return this.onBroadcast(parseMessage<Broadcast>(text));
    }
    const m = parseMessage<Direct>(text);
    if (m === undefined) return this.logger.warn({ channel }, "cluster: an unreadable message was ignored");
    if (m.t === "component") return this.onComponentStanza(m);
    if (m.t === "ended") return this.awaitingEnd.get(m.ref)?.();
    const jid = parseJid(m.jid);
    const h = this.local.get(jid.bare().toString(), jid.resource ?? "");
    if (m.t === "close") return this.onCloseOrder(m, h?.sid === m.sid ? h.local : undefined);
    const stanza = parseStoredElement(m.xml);
    if (stanza === undefined) return;
    this.stats.routedIn++;
    if (h?.isOpen === true) h.send(stanza);
    else this.local.undeliverable.run((err) => this.warn(err, "undeliverable hook"), stanza);
  }

  private onCloseOrder(m: Extract<Direct, { t: "close" }>, session: Session | undefined): void {
    session?.close(m.cond, m.text);
    const { from, ref } = m;
    if (from === undefined || ref === undefined) return;
    // RFC 6120 §7.7.2.2 across nodes: the replacing node answers its bind after this answer. The
    // unbind's unavailable presence is published first, on this same connection, so Redis delivers
    // it first too: contacts see the old session go before the new one's presence.
    const ended: Direct = { t: "ended", jid: m.jid, sid: m.sid, ref };
    const unbound = session?.unbind() ?? Promise.resolve();
    this.track(unbound.then(() => this.redis.publish(this.redis.nodeChannel(from), JSON.stringify(ended))));
  }

  private onComponentStanza(m: Extract<Direct, { t: "component" }>): void {
    const stanza = parseStoredElement(m.xml);
    const from = tryParseJid(m.jid);
    const to = tryParseJid(m.to);
    if (stanza === undefined || from === undefined || to === undefined) return;
    this.stats.routedIn++;
    for (const h of this.componentHandlers) h.stanza(stanza, from, to);
  }

  private onBroadcast(m: Broadcast | undefined): void {
    if (m === undefined) return;
    if (m.t === "left") {
      const jid = m.from === this.options.node ? undefined : tryParseJid(m.jid);
      if (jid !== undefined) for (const h of this.componentHandlers) h.left(m.kind, jid);
      return;
    }
    if (m.t === "batch") {
      for (const x of m.m) {
        const c = parseChange(x);
        if (c !== undefined) this.onChange(c);
      }
    } else if (m.t === "set" || m.t === "del") {
      this.onChange(m);
    } else if (m.t === "acct" && m.from !== this.options.node && this.hooks !== undefined) {
      // The same hooks as on the node where it happened; not announced again.
      this.relaying = true;
      try {
        this.hooks[m.kind].run((err) => this.warn(err, `${m.kind} hook`), m.bare);
      } finally {
        this.relaying = false;
      }
    }
  }

  private onChange(c: Change): void {
    if (c.t === "del") return this.view.removeText(c.jid, c.sid);
    const h = this.handleFrom(c.jid, c.e);
    if (h !== undefined) this.view.set(h);
  }

  private announceAccount(kind: RelayedAccountHook, bare: string): void {
    if (this.relaying) return;
    const m: Broadcast = { t: "acct", kind, bare, from: this.options.node };
    this.track(
      this.redis
        .publish(this.redis.allChannel, JSON.stringify(m))
        .catch((err: unknown) => this.warn(err, kind)),
    );
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    const done = () => void this.pending.delete(p);
    p.then(done, (err: unknown) => {
      done();
      this.warn(err, "a cluster operation");
    });
  }

  private warn(err: unknown, what: string): void {
    this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, `cluster: ${what} failed`);
  }
}
