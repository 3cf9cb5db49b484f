// A cluster node's two Redis connections (commands; subscriptions) and the operations the cluster
// directory needs, each one command or one Lua script (./scripts.ts). Keys and channels all start
// with the configured prefix: `<p>:sessions` (hash: full JID → entry), `<p>:nodes` (set),
// `<p>:lease:<node>` (expiring key), `<p>:owner:<jid>` (the node holding a component's room), channels `<p>:all` (announcements) and `<p>:node:<node>`.
import { Redis } from "ioredis";
import type { Logger } from "../log.ts";
import type { ClusterOptions } from "./config.ts";
import { BATCH, CLAIM, REAP, RELEASE } from "./scripts.ts";

/** A registry change waiting for the next batch (./scripts.ts BATCH). */
interface Queued {
  readonly op: readonly (string | number)[];
  resolve(r: [number, string]): void;
  reject(err: unknown): void;
}

export class RedisLink {
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly p: string;
  /** Registry changes made in this turn of the event loop, sent together (see `change`). */
  private queue: Queued[] = [];
  private flushScheduled = false;

  constructor(
    private readonly options: ClusterOptions,
    logger: Logger,
    handlers: { message(channel: string, text: string): void; ready(): void },
  ) {
    this.p = options.prefix;
    const common = {
      lazyConnect: true,
      // Fail fast while Redis is away: callers fall back (offline storage), nothing piles up.
      maxRetriesPerRequest: 1,
      retryStrategy: (n: number) => Math.min(50 * n, 1000),
    };
    this.cmd = new Redis(options.redis, { ...common, enableOfflineQueue: false });
    this.sub = new Redis(options.redis, common);
    this.cmd.defineCommand("xhaBatch", { numberOfKeys: 2, lua: BATCH });
    this.cmd.defineCommand("xhaReap", { numberOfKeys: 4, lua: REAP });
    this.cmd.defineCommand("xhaClaim", { numberOfKeys: 2, lua: CLAIM });
    this.cmd.defineCommand("xhaRelease", { numberOfKeys: 1, lua: RELEASE });
    for (const [name, conn] of [
      ["commands", this.cmd],
      ["subscriber", this.sub],
    ] as const) {
      conn.on("error", (err: Error) => logger.warn({ err: err.message, connection: name }, "redis"));
      conn.on("ready", () => handlers.ready());
    }
    this.sub.on("message", (channel: string, text: string) => handlers.message(channel, text));
  }

  /** How this node's batches of registry changes begin on the broadcast channel: a node skips its
   *  own without parsing them. */
  get batchOpening(): string {
    return `{"t":"batch","n":${JSON.stringify(this.options.node)},"m":[`;
  }

  get allChannel(): string {
    return `${this.p}:all`;
  }

  nodeChannel(node: string): string {
    return `${this.p}:node:${node}`;
  }

  private get sessions(): string {
    return `${this.p}:sessions`;
  }

  private lease(node: string): string {
    return `${this.p}:lease:${node}`;
  }

  /** Both connections answer. */
  get up(): boolean {
    return this.cmd.status === "ready" && this.sub.status === "ready";
  }

  get commandsUp(): boolean {
    return this.cmd.status === "ready";
  }

  async connect(): Promise<void> {
    await Promise.all([this.cmd.connect(), this.sub.connect()]);
    await this.sub.subscribe(this.allChannel, this.nodeChannel(this.options.node));
  }

  /** Stores an entry unless a newer session holds the JID: [1, previous or ""] or [0, newer]. */
  register(
    jid: string,
    entry: string,
    sid: string,
    since: number,
    announce: string,
  ): Promise<[number, string]> {
    return this.change(["r", jid, entry, sid, since, announce]);
  }

  /** Replaces (or, with entry "", deletes) the JID's entry while `sid` holds it, and announces. */
  async replace(jid: string, sid: string, entry: string, announce: string): Promise<boolean> {
    return (await this.change(["p", jid, sid, entry, announce]))[0] === 1;
  }

  /**
   * Registry changes are queued and sent as one script call at the end of this turn of the event
   * loop: under load, one command and one announcement carry many logins and logouts, where each
   * used to cost every node a Redis round trip or a message (the cluster's main cost per login).
   */
  private change(op: (string | number)[]): Promise<[number, string]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    });
  }

  /** Sends the queued changes now; anything published after them is ordered after them. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    const ops = JSON.stringify(batch.map((q) => q.op));
    this.cmd.xhaBatch(this.sessions, this.allChannel, ops, this.batchOpening).then(
      (out) => {
        const results = out as [number, string][];
        batch.forEach((q, i) => q.resolve(results[i] ?? [0, ""]));
      },
      (err: unknown) => {
        for (const q of batch) q.reject(err);
      },
    );
  }

  /** Renews this node's lease; false when it had lapsed (or Redis lost it). */
  async renew(ms: number): Promise<boolean> {
    return (await this.cmd.set(this.lease(this.options.node), "1", "PX", ms, "XX")) !== null;
  }

  async takeLease(ms: number): Promise<void> {
    await this.cmd
      .multi()
      .set(this.lease(this.options.node), "1", "PX", ms)
      .sadd(`${this.p}:nodes`, this.options.node)
      .exec();
  }

  async dropLease(): Promise<void> {
    await this.cmd
      .multi()
      .del(this.lease(this.options.node))
      .srem(`${this.p}:nodes`, this.options.node)
      .exec();
  }

  snapshot(): Promise<Record<string, string>> {
    return this.cmd.hgetall(this.sessions);
  }

  otherNodes(): Promise<string[]> {
    return this.cmd.smembers(`${this.p}:nodes`).then((all) => all.filter((n) => n !== this.options.node));
  }

  /** Drops a node whose lease lapsed; returns its sessions as jid, entry, jid, entry… (else []). */
  async reap(node: string): Promise<string[]> {
    return (await this.cmd.xhaReap(
      this.sessions,
      `${this.p}:nodes`,
      this.lease(node),
      this.allChannel,
      node,
    )) as string[];
  }

  /** Claims a component JID (`<p>:owner:<jid>`): "=" already ours, "+" just taken, else its node. */
  async claim(jid: string): Promise<string> {
    return String(await this.cmd.xhaClaim(`${this.p}:owner:${jid}`, `${this.p}:lease:`, this.options.node));
  }

  async release(jid: string): Promise<void> {
    await this.cmd.xhaRelease(`${this.p}:owner:${jid}`, this.options.node);
  }

  /**
   * A round trip on the subscriber connection: Redis answers it after the messages it had published
   * to us before, so when it settles those have been handled.
   */
  async barrier(): Promise<void> {
    await this.sub.ping();
  }

  /** Resolves with the number of subscribers that got it. */
  publish(channel: string, text: string): Promise<number> {
    // A stanza from a session that just bound must not overtake its registration.
    this.flush();
    return this.cmd.publish(channel, text);
  }

  async close(): Promise<void> {
    this.flush();
    if (this.cmd.status === "ready") await Promise.allSettled([this.cmd.quit(), this.sub.quit()]);
    this.cmd.disconnect();
    this.sub.disconnect();
  }
}

declare module "ioredis" {
  interface RedisCommander<Context> {
    xhaBatch(...args: string[]): Promise<unknown> & Context;
    xhaReap(...args: string[]): Promise<unknown> & Context;
    xhaClaim(...args: string[]): Promise<unknown> & Context;
    xhaRelease(...args: string[]): Promise<unknown> & Context;
  }
}
