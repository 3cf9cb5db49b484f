// XEP-0198 §5: <resume previd h/> on a new authenticated stream, before binding. The session the id
// names (hibernating, or still on its old connection, which is closed) continues on this connection
// with its full JID, presence and module state; the client's `h` acknowledges what it got, and the
// rest is sent again. Callable outside the stream (SASL2, XEP-0388, inlines <resume/>): returns the
// answer; the caller sends it on `resumed` (when set) and then calls replay().
import { el, type Element } from "../../xml/element.ts";
import type { Session } from "../../stream/session.ts";
import { parseH } from "./counter.ts";
import { failed, NS_SM } from "./sm-elements.ts";
import type { StreamManagement } from "./stream-management.ts";

export interface ResumeOutcome {
  /** <resumed/> or <failed/>. */
  readonly answer: Element;
  /** The resumed session, now on the caller's connection (undefined on failure). */
  readonly resumed: Session | undefined;
  /** Sends the unacknowledged stanzas again, after the answer (no-op on failure). */
  replay(): void;
}

const NOTHING = (): void => {};

function refuse(answer: Element): ResumeOutcome {
  return { answer, resumed: undefined, replay: NOTHING };
}

export function resumeStreamManagement(sm: StreamManagement, next: Session, resume: Element): ResumeOutcome {
  // §5: resumption replaces binding; an authenticated stream only.
  if (!next.authenticated || next.bound || next.jid === undefined)
    return refuse(failed("unexpected-request"));
  const previd = resume.attrs.previd;
  const h = parseH(resume.attrs.h);
  if (previd === undefined || previd === "" || h === undefined) return refuse(failed("bad-request"));
  const account = next.jid.bare().toString();
  const entry = sm.registry.get(previd);
  // Unknown, expired, another account's, or (in a cluster) another node's: the same answer.
  if (entry === undefined || entry.account !== account || !entry.session.isOpen) {
    sm.resumeFailures++;
    return refuse(failed("item-not-found", sm.registry.endedH(previd, account)));
  }
  const { session, state } = entry;
  if (!state.acknowledge(h)) {
    // The client claims more than we sent: the session cannot be trusted to continue.
    session.close("undefined-condition", "Acknowledged more stanzas than were sent");
    return refuse(failed("undefined-condition", undefined, "Acknowledged more stanzas than were sent"));
  }
  if (session.hibernating) sm.hibernating--;
  session.resumeOn(next);
  state.woke(session);
  sm.resumed++;
  session.logger.info({ jid: session.jid?.toString(), replay: state.unackedCount }, "stream resumed");
  return {
    answer: el("resumed", { xmlns: NS_SM, previd, h: String(state.handled) }),
    resumed: session,
    replay: () => state.replay(session),
  };
}
