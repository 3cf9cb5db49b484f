// RFC 6121 §4: presence state. A resource is "available" between its initial presence and its
// unavailable presence (or the end of its session); only available resources receive presence
// broadcasts and messages addressed to the bare JID (§8.5.2.1). Availability, priority and the last
// presence live in the session's SharedState (seen by every node); directed presence stays local.
import type { Element } from "../../xml/element.ts";
import type { Session } from "../../stream/session.ts";
import type { ServerContext } from "../../server-context.ts";
import type { SessionHandle } from "../../router/session-handle.ts";

export interface PresenceState {
  /** This session's own view (also in SharedState, which is gone once the session is unregistered). */
  available: boolean;
  /** Bare or full JIDs that got directed presence and are not subscribers (§4.6.3). */
  readonly directed: Set<string>;
}

const KEY = "presence";

export function presenceOf(session: Session): PresenceState {
  let s = session.data.get(KEY) as PresenceState | undefined;
  if (s === undefined) {
    s = { available: false, directed: new Set() };
    session.data.set(KEY, s);
  }
  return s;
}

export function parsePriority(stanza: Element): number {
  const text = stanza.getChildText("priority")?.trim();
  if (text === undefined || !/^[+-]?\d{1,3}$/.test(text)) return 0;
  const n = Number(text);
  return n >= -128 && n <= 127 ? n : 0;
}

/** The account's resources, on any node, that are available (sent initial presence and not unavailable since). */
export function availableSessions(ctx: ServerContext, bare: string): SessionHandle[] {
  return ctx.sessions.ofAccount(bare).filter((s) => s.state.available && s.isOpen);
}
