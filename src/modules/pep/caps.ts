// XEP-0115 entity capabilities as XEP-0163 §4.3 uses them ("filtered notifications"): from a
// resource's available presence, the server learns which PEP nodes it wants (features ending in
// "+notify"). A `ver` seen before is answered from a per-process cache of verified hashes (§5.4);
// otherwise the server asks the resource itself (§6.2, disco#info to its full JID with node#ver) and
// caches the answer only when it hashes to the `ver` announced. What a session wants is published in
// its SharedState (`extra["caps:ver"]`, `extra["pep:notify"]`), so every cluster node can decide.
import { randomBytes } from "node:crypto";
import { el, type Element } from "../../xml/element.ts";
import { NS_CAPS, NS_DISCO_INFO } from "../../ns.ts";
import type { ServerContext } from "../../server-context.ts";
import type { Session } from "../../stream/session.ts";
import type { SessionHandle } from "../../router/session-handle.ts";
import { Hook } from "../../router/hooks.ts";
import { capsVer, supportedHash } from "./caps-hash.ts";

const NOTIFY = "+notify";
/** Limits: nodes remembered per session and per cached ver, cached vers, queries in flight. */
const MAX_NODES = 64;
const MAX_NODE_LENGTH = 1024;
const MAX_CACHED = 2000;
const MAX_PENDING = 10_000;
const QUERY_TIMEOUT_MS = 10_000;

export const EXTRA_VER = "caps:ver";
export const EXTRA_NOTIFY = "pep:notify";

interface CapsState {
  online: boolean;
  /** hash, node and ver of the caps last announced ("" for none). */
  key: string;
  nodes: ReadonlySet<string>;
  /** The id of this session's query in flight: one at a time, a newer one replaces it. */
  asking?: string | undefined;
}

export interface CapsTracker {
  /** An available presence broadcast by a local session (after the presence module handled it). */
  available(session: Session, stanza: Element): void;
  /** The session went unavailable: its next available presence is an initial one again. */
  unavailable(session: Session): void;
  /** An IQ result or error a session sent to the server; true when it answered one of our queries. */
  response(session: Session, iq: Element): boolean;
  /** The PEP nodes a session (on any node) wants notifications of. */
  notifyNodes(handle: SessionHandle): ReadonlySet<string>;
  /** A session's wanted nodes became known or grew: the argument lists those it did not want before. */
  readonly learned: Hook<[Session, readonly string[]]>;
}

/** The "+notify" nodes among a disco#info result's features, bounded. */
export function notifyNodesOf(query: Element): string[] {
  const nodes = new Set<string>();
  for (const f of query.getChildren("feature")) {
    const v = f.attrs.var ?? "";
    // Node names with white space cannot be listed in SharedState (space-separated) and are not PEP's.
    if (
      !v.endsWith(NOTIFY) ||
      v.length - NOTIFY.length > MAX_NODE_LENGTH ||
      v.length === NOTIFY.length ||
      /\s/.test(v)
    )
      continue;
    nodes.add(v.slice(0, -NOTIFY.length));
    if (nodes.size >= MAX_NODES) break;
  }
  return [...nodes];
}

export function createCapsTracker(ctx: ServerContext): CapsTracker {
  const learned = new Hook<[Session, readonly string[]]>();
  /** `${hash} ${ver}` → nodes, for verified hashes only; the oldest entry goes first when full. */
  const cache = new Map<string, readonly string[]>();
  const pending = new Map<string, { from: string; done: (iq: Element | undefined) => void }>();

  const stateOf = (session: Session): CapsState => {
    let s = session.data.get("pep:caps") as CapsState | undefined;
    if (s === undefined) {
      s = { online: false, key: "", nodes: new Set() };
      session.data.set("pep:caps", s);
    }
    return s;
  };

  const remember = (key: string, nodes: readonly string[]) => {
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value ?? "");
    cache.set(key, nodes);
  };

  const query = (session: Session, state: CapsState, node: string): Promise<Element | undefined> => {
    // A client announcing ver after ver holds one entry at most: the older query is answered "none".
    if (state.asking !== undefined) pending.get(state.asking)?.done(undefined);
    const jid = session.jid;
    const handle = ctx.sessions.handleOf(session);
    if (jid === undefined || handle === undefined || pending.size >= MAX_PENDING)
      return Promise.resolve(undefined);
    const id = `caps-${randomBytes(9).toString("base64url")}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => pending.get(id)?.done(undefined), QUERY_TIMEOUT_MS);
      timer.unref();
      state.asking = id;
      pending.set(id, {
        from: jid.toString(),
        done: (iq) => {
          clearTimeout(timer);
          if (state.asking === id) state.asking = undefined;
          pending.delete(id);
          resolve(iq);
        },
      });
      handle.send(
        el(
          "iq",
          { type: "get", id, from: jid.domain, to: jid.toString() },
          el("query", { xmlns: NS_DISCO_INFO, node }),
        ),
      );
    });
  };

  const apply = (
    session: Session,
    state: CapsState,
    ver: string,
    nodes: readonly string[],
    initial: boolean,
  ) => {
    const before = state.nodes;
    state.nodes = new Set(nodes);
    const handle = ctx.sessions.handleOf(session);
    if (handle !== undefined)
      ctx.sessions.update(session, {
        extra: { ...handle.state.extra, [EXTRA_VER]: ver, [EXTRA_NOTIFY]: nodes.join(" ") },
      });
    const fresh = initial ? nodes : nodes.filter((n) => !before.has(n));
    if (fresh.length > 0)
      learned.run((err) => session.logger.error({ err }, "PEP last-item delivery failed"), session, fresh);
  };

  const resolve = async (session: Session, state: CapsState, c: Element, key: string, initial: boolean) => {
    const { hash, node, ver } = c.attrs;
    if (node === undefined || ver === undefined) return;
    const cacheKey = `${hash ?? ""} ${ver}`;
    const known = supportedHash(hash) ? cache.get(cacheKey) : undefined;
    if (known !== undefined) return apply(session, state, ver, known, initial);
    const reply = await query(session, state, `${node}#${ver}`);
    if (state.key !== key || !state.online) return; // the caps changed (or the session left) meanwhile
    const q = reply?.attrs.type === "result" ? reply.getChild("query", NS_DISCO_INFO) : undefined;
    if (q === undefined) return apply(session, state, ver, [], initial);
    const nodes = notifyNodesOf(q);
    // §5.4: only a verified hash is trusted for others; an unverified answer serves this session alone.
    if (hash !== undefined && capsVer(q, hash) === ver) remember(cacheKey, nodes);
    apply(session, state, ver, nodes, initial);
  };

  return {
    learned,
    available(session, stanza) {
      const state = stateOf(session);
      const initial = !state.online;
      state.online = true;
      const c = stanza.getChild("c", NS_CAPS);
      if (c === undefined) return;
      const key = `${c.attrs.hash ?? ""} ${c.attrs.node ?? ""} ${c.attrs.ver ?? ""}`;
      if (key === state.key && !initial) return;
      state.key = key;
      resolve(session, state, c, key, initial).catch((err: unknown) =>
        session.logger.error({ err }, "entity capabilities lookup failed"),
      );
    },
    unavailable(session) {
      const state = stateOf(session);
      state.online = false;
      state.key = "";
    },
    response(session, iq) {
      const id = iq.attrs.id;
      const p = id === undefined ? undefined : pending.get(id);
      if (p === undefined || p.from !== session.jid?.toString()) return false;
      p.done(iq);
      return true;
    },
    notifyNodes(handle) {
      const v = handle.state.extra[EXTRA_NOTIFY];
      return new Set(v === undefined || v === "" ? [] : v.split(" "));
    },
  };
}
