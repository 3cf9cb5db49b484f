// What cluster nodes keep in Redis and say to each other over pub/sub. JSON, one shape per kind;
// stanzas travel as their XML. Anything that does not parse is ignored (and logged by the caller).
import type { SharedState } from "../router/session-handle.ts";
import { parseStoredElement } from "../xml/parse-stored.ts";
import type { StreamErrorCondition } from "../xml/stream-errors.ts";

/** One bound session in the registry hash, keyed by its full JID. */
export interface Entry {
  readonly node: string;
  readonly sid: string;
  /** ms since the epoch at bind: the newer of two sessions for one full JID wins. */
  readonly since: number;
  readonly state: WireState;
}

interface WireState {
  readonly available: boolean;
  readonly priority: number;
  readonly last?: string;
  readonly carbons: boolean;
  readonly interested: boolean;
  readonly extra: Readonly<Record<string, string>>;
}

/** The account hooks (src/server-context.ts) every node runs when one node runs them: relayed as `acct`. */
export const RELAYED_ACCOUNT_HOOKS = ["passwordChanged", "accountRemoved", "archivePrefsChanged"] as const;
export type RelayedAccountHook = (typeof RELAYED_ACCOUNT_HOOKS)[number];

/** A registry change, as announced. */
export type Change =
  | { readonly t: "set"; readonly jid: string; readonly e: Entry }
  | { readonly t: "del"; readonly jid: string; readonly sid: string };

/** On the broadcast channel: registry changes (in batches, ./scripts.ts BATCH; a node that lapsed is
 *  reaped change by change) and account events. */
export type Broadcast =
  | Change
  | { readonly t: "batch"; readonly m: readonly unknown[] }
  | {
      readonly t: "acct";
      readonly kind: RelayedAccountHook;
      readonly bare: string;
      readonly from: string;
    }
  /** A session left (unavailable presence) or ended: components drop it on every node (./component-link.ts). */
  | {
      readonly t: "left";
      readonly kind: "unavailable" | "ended";
      readonly jid: string;
      readonly from: string;
    };

/** On a node's own channel: a stanza for one of its sessions, or an order to end one, or a stanza
 *  from a session (`jid`) to a component JID (`to`) this node owns (./component-link.ts). A close
 *  order with `from` and `ref` asks for `ended` on node `from` once the session's end is done. */
export type Direct =
  | { readonly t: "stanza"; readonly jid: string; readonly xml: string }
  | { readonly t: "component"; readonly jid: string; readonly to: string; readonly xml: string }
  | {
      readonly t: "close";
      readonly jid: string;
      readonly sid: string;
      readonly cond: StreamErrorCondition;
      readonly text?: string;
      readonly from?: string;
      readonly ref?: string;
    }
  /** The answer to a close order with `ref`: session `sid` ended, its unavailable presence sent. */
  | { readonly t: "ended"; readonly jid: string; readonly sid: string; readonly ref: string };

export function toWireState(s: SharedState): WireState {
  const w: WireState = {
    available: s.available,
    priority: s.priority,
    carbons: s.carbons,
    interested: s.interested,
    extra: s.extra,
  };
  return s.last === undefined ? w : { ...w, last: s.last.toString() };
}

export function fromWireState(w: WireState): SharedState {
  return Object.freeze({
    available: w.available === true,
    priority: typeof w.priority === "number" ? w.priority : 0,
    last: typeof w.last === "string" ? parseStoredElement(w.last) : undefined,
    carbons: w.carbons === true,
    interested: w.interested === true,
    extra: typeof w.extra === "object" && w.extra !== null ? w.extra : {},
  });
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null;
}

export function parseEntry(text: string): Entry | undefined {
  try {
    const e: unknown = JSON.parse(text);
    if (!isRecord(e) || typeof e.node !== "string" || typeof e.sid !== "string" || !isRecord(e.state))
      return undefined;
    return e as unknown as Entry;
  } catch {
    return undefined;
  }
}

const optionalStrings = (...xs: unknown[]) => xs.every((x) => x === undefined || typeof x === "string");

export function parseMessage<T extends { t: string }>(text: string): T | undefined {
  try {
    const m: unknown = JSON.parse(text);
    if (!isRecord(m) || typeof m.t !== "string") return undefined;
    if (m.t === "acct")
      // A kind this node does not know (a newer node's) is ignored.
      return typeof m.bare === "string" && (RELAYED_ACCOUNT_HOOKS as readonly unknown[]).includes(m.kind)
        ? (m as T)
        : undefined;
    if (m.t === "batch") return Array.isArray(m.m) ? (m as T) : undefined;
    if (typeof m.jid !== "string") return undefined;
    if ((m.t === "stanza" || m.t === "component") && typeof m.xml !== "string") return undefined;
    if (m.t === "component" && typeof m.to !== "string") return undefined;
    if (m.t === "left" && typeof m.from !== "string") return undefined;
    if ((m.t === "close" || m.t === "ended") && typeof m.sid !== "string") return undefined;
    if (m.t === "close" && !optionalStrings(m.from, m.ref)) return undefined;
    if (m.t === "ended" && typeof m.ref !== "string") return undefined;
    return m as T;
  } catch {
    return undefined;
  }
}

/** One change of a batch, checked like a message of its own (a batch is read element by element). */
export function parseChange(x: unknown): Change | undefined {
  if (!isRecord(x) || typeof x.jid !== "string") return undefined;
  if (x.t === "del") return typeof x.sid === "string" ? (x as Change) : undefined;
  if (x.t === "set") return isRecord(x.e) ? (x as Change) : undefined;
  return undefined;
}
