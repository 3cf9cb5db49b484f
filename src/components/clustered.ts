// A component that keeps state per JID in memory (a MUC room) declares `clustered: "owner-per-jid"`:
// in a cluster, each such JID (its bare JID) lives on exactly one node at a time, the one holding its
// Redis owner key for as long as that node's lease holds (docs/cluster.md, "Components"). Every node
// hands a local session's stanza for that JID to the owner's component, as if it had come from a
// local session there; the owner answers through ComponentEnv.send, which reaches sessions anywhere.
// The first node to get a stanza for an unowned JID (or one whose owner's lease lapsed) takes it and
// has the component load it afresh from the shared store (adopt()).
import type { Element } from "../xml/element.ts";
import type { Jid } from "../jid.ts";
import type { Logger } from "../log.ts";
import type { ServerContext } from "../server-context.ts";
import { errorReply, mayReplyWithError } from "../stanza/errors.ts";
import { withAttrs } from "../stanza/copy.ts";
import type { Component, DeliveryOutcome } from "./component.ts";

export type LeftKind = "unavailable" | "ended";

/** What a node does with what other nodes send its components. */
export interface ComponentLinkHandler {
  /** A stanza from a session on another node, for a JID this node owns. */
  stanza(stanza: Element, from: Jid, to: Jid): void;
  /** A session on another node broadcast unavailable presence, or ended. */
  left(kind: LeftKind, jid: Jid): void;
}

/** The cluster side (../cluster/cluster-directory.ts implements it). */
export interface ComponentLink {
  readonly node: string;
  readonly up: boolean;
  /** "=" this node owns the JID already, "+" it just took it, else the owning node's name. */
  claim(jid: string): Promise<string>;
  /** Gives a JID up (only while this node owns it). */
  release(jid: string): Promise<void>;
  /** Publishes a stanza to the owning node; resolves with how many nodes got it (0: it is gone). */
  forward(node: string, from: Jid, to: Jid, stanza: Element): Promise<number>;
  announceLeft(kind: LeftKind, jid: Jid): void;
  onComponent(handler: ComponentLinkHandler): void;
}

/** Forwarded stanzas waiting per sender, so that one sender's stanzas are handled in order. */
const MAX_QUEUED_PER_SENDER = 1000;

export function clusteredComponent(
  inner: Component,
  deps: {
    readonly domain: string;
    readonly link: ComponentLink;
    readonly ctx: ServerContext;
    readonly send: (stanza: Element) => DeliveryOutcome;
    readonly logger: Logger;
  },
): Component & { released(jid: string): void } {
  const { domain, link, send, logger, ctx } = deps;
  const owned = new Set<string>();
  const adopting = new Map<string, Promise<void>>();
  const queues = new Map<string, { tail: Promise<void>; size: number }>();
  let stopping = false;

  const fail = (stanza: Element, text: string) => {
    if (mayReplyWithError(stanza)) send(errorReply(stanza, "service-unavailable", { text }));
  };

  /** Makes sure this node may serve the JID; the owner's name when another node does. */
  const own = async (bare: string): Promise<string | undefined> => {
    const r = await link.claim(bare);
    // Taken again while this node believed it held it: the key went with Redis's data (a restart),
    // as nobody else took it meanwhile (seeing that drops the belief, below); the copy here is current.
    if (r === "+" && owned.has(bare)) {
      await adopting.get(bare);
      return undefined;
    }
    if (r === "+") {
      owned.add(bare);
      const p = (inner.adopt?.(bare) ?? Promise.resolve()).finally(() => adopting.delete(bare));
      adopting.set(bare, p);
      await p;
      return undefined;
    }
    if (r === "=") {
      owned.add(bare);
      await adopting.get(bare);
      return undefined;
    }
    // Another node holds it (our lease lapsed, or Redis lost our key): the copy here is stale and is
    // loaded afresh if this node takes it again.
    owned.delete(bare);
    return r;
  };

  const local = async (stanza: Element, from: Jid, to: Jid) => {
    if (stopping) return fail(stanza, "This service is shutting down on this node; retry shortly");
    await inner.receive(stanza, from, to);
  };

  const receive = async (stanza: Element, from: Jid, to: Jid): Promise<void> => {
    // The service's own JID (disco, ping) is answered by any node.
    if (to.local === undefined) return inner.receive(stanza, from, to);
    if (stopping) return fail(stanza, "This service is shutting down on this node; retry shortly");
    if (!link.up) return fail(stanza, "The cluster is unreachable; retry shortly");
    const bare = to.bare().toString();
    let owner: string | undefined;
    try {
      owner = await own(bare);
    } catch (err) {
      logger.warn({ err: (err as Error).message, to: bare }, "cluster: claiming a component JID failed");
      return fail(stanza, "The cluster is unreachable; retry shortly");
    }
    if (owner === undefined) return local(stanza, from, to);
    const got = await link
      .forward(owner, from, to, withAttrs(stanza, { from: from.toString() }))
      .catch(() => 0);
    // Its node died and its lease has not lapsed yet (docs/cluster.md: within lease + lease/3).
    if (got === 0) fail(stanza, "The node serving this room is unreachable; retry shortly");
  };

  link.onComponent({
    stanza(stanza, from, to) {
      if (to.domain !== domain) return;
      const key = from.toString();
      const q = queues.get(key) ?? { tail: Promise.resolve(), size: 0 };
      if (q.size >= MAX_QUEUED_PER_SENDER) return fail(stanza, "Too many stanzas in flight");
      q.size++;
      queues.set(key, q);
      q.tail = q.tail
        .then(async () => {
          // Its rooms given up: not claimed again on the way out.
          if (stopping) return fail(stanza, "This service is shutting down on this node; retry shortly");
          // Not ours any more (we stopped, or our lease lapsed and another node took it): refused.
          if ((await own(to.bare().toString())) !== undefined) return fail(stanza, "Retry shortly");
          await local(stanza, from, to);
        })
        .catch((err: unknown) => logger.error({ err, to: to.toString() }, "a forwarded stanza failed"))
        .finally(() => {
          if (--q.size === 0) queues.delete(key);
        });
    },
    left(kind, jid) {
      try {
        if (kind === "unavailable") inner.unavailable?.(jid);
        else inner.sessionEnded?.(jid);
      } catch (err) {
        logger.error({ err }, "a component failed on a departure from another node");
      }
    },
  });

  return {
    name: inner.name,
    ...(inner.http === undefined ? {} : { http: inner.http }),
    clustered: inner.clustered,
    receive,
    unavailable(from) {
      inner.unavailable?.(from);
      link.announceLeft("unavailable", from);
    },
    async start() {
      await inner.start?.();
      // The hooks fire on the session's node (or, for a dead node's, on the one that reaped it):
      // the owners of the rooms elsewhere are told.
      ctx.hooks.unbound.add((session) => {
        if (session.jid !== undefined) link.announceLeft("ended", session.jid);
      });
      ctx.sessions.reaped.add((h) => link.announceLeft("ended", h.jid));
    },
    async stop() {
      stopping = true;
      // Given up first, so that a rejoin after the 332 presences lands on a node that stays.
      await Promise.allSettled([...owned].map((j) => link.release(j)));
      owned.clear();
      await inner.stop?.();
    },
    released(jid) {
      if (!owned.delete(jid)) return;
      link.release(jid).catch((err: unknown) => logger.warn({ err: (err as Error).message }, "release"));
    },
  };
}
