// XEP-0198 §3: <enable/> once a resource is bound → <enabled/> (with an id and max when resumption
// is asked for, §5), or <failed/>. Callable outside the stream (Bind2, XEP-0386, inlines <enable/>):
// it takes the session and the element and returns the answer, which the caller sends.
import { el, type Element } from "../../xml/element.ts";
import type { Session } from "../../stream/session.ts";
import { randomBytes } from "node:crypto";
import { failed, NS_SM } from "./sm-elements.ts";
import { SmState } from "./sm-state.ts";
import type { StreamManagement } from "./stream-management.ts";

export function enableStreamManagement(sm: StreamManagement, session: Session, enable: Element): Element {
  // §3: not before binding, and once per stream.
  if (!session.bound || session.jid === undefined) return failed("unexpected-request");
  if (session.tap !== undefined) return failed("unexpected-request");
  const limits = sm.limitsFor(session);
  const resume = enable.attrs.resume === "true" || enable.attrs.resume === "1";
  const id = resume ? randomBytes(18).toString("base64url") : undefined;
  const state = new SmState(id, limits, sm.events);
  session.tap = state;
  if (id === undefined) return el("enabled", { xmlns: NS_SM });
  sm.registry.add(id, { session, state, account: session.jid.bare().toString() });
  // §5: the client may prefer a shorter time than ours, never a longer one.
  const asked = Number(enable.attrs.max);
  const max =
    Number.isInteger(asked) && asked > 0
      ? Math.min(asked, limits.hibernationSeconds)
      : limits.hibernationSeconds;
  state.hibernationSeconds = max;
  return el("enabled", { xmlns: NS_SM, id, resume: "true", max: String(max) });
}
