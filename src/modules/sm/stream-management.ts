// XEP-0198 Stream Management, wired into the server: the <sm/> stream feature after authentication
// (§2), the <enable/>, <r/>, <a/> and <resume/> elements (§3–§5), and the settling of what a session
// that ended for good had not had acknowledged (unacked.ts). Legacy urn:xmpp:sm:2 is not offered.
import { nonzaKey } from "../../server-context.ts";
import { el, type Element } from "../../xml/element.ts";
import type { Session } from "../../stream/session.ts";
import type { ChatDeps } from "../chat-deps.ts";
import { Hook } from "../../router/hooks.ts";
import { createOffline } from "../message/offline.ts";
import { parseH } from "./counter.ts";
import { enableStreamManagement } from "./enable.ts";
import { ResumeRegistry } from "./registry.ts";
import { resumeStreamManagement } from "./resume.ts";
import { ack, NS_SM } from "./sm-elements.ts";
import { SmState, type SmEvents, type SmLimits } from "./sm-state.ts";
import { settleUnacked } from "./unacked.ts";

export class StreamManagement {
  readonly registry = new ResumeRegistry();
  /** A stanza was kept for a hibernating session (XEP-0357 push listens). */
  readonly queuedAsleep = new Hook<[Session, Element]>();
  readonly events: SmEvents;
  resumed = 0;
  resumeFailures = 0;
  expired = 0;
  /** Sessions of this node hibernating now (bound, without a connection). */
  hibernating = 0;

  constructor() {
    this.events = {
      hibernated: (session, state) => {
        this.hibernating++;
        session.logger.debug({ seconds: state.hibernationSeconds }, "stream management: hibernating");
      },
      queuedAsleep: (session, stanza) => {
        this.queuedAsleep.run(
          (err) => session.logger.error({ err }, "queued-asleep hook failed"),
          session,
          stanza,
        );
      },
      ended: (session, state) => {
        if (state.hibernatedAt !== undefined) {
          this.expired++;
          this.hibernating--;
        }
        const account = session.jid?.bare().toString();
        if (state.id !== undefined && account !== undefined)
          this.registry.end(state.id, account, state.handled);
      },
    };
  }

  limitsFor(session: Session): SmLimits {
    const o = session.host?.options;
    return {
      hibernationSeconds: o?.smacks_hibernation_time ?? 600,
      maxQueue: o?.smacks_max_queue_size ?? 500,
      maxUnacked: o?.smacks_max_unacked_stanzas ?? 0,
    };
  }

  /** Prometheus lines. */
  metrics(): string {
    return (
      "# HELP xha_sm_resumable_sessions Sessions with XEP-0198 resumption enabled on this node.\n" +
      "# TYPE xha_sm_resumable_sessions gauge\n" +
      `xha_sm_resumable_sessions ${this.registry.size}\n` +
      "# HELP xha_sm_hibernating_sessions Sessions of this node hibernating (bound, connection gone).\n" +
      "# TYPE xha_sm_hibernating_sessions gauge\n" +
      `xha_sm_hibernating_sessions ${this.hibernating}\n` +
      "# HELP xha_sm_resumed_total XEP-0198 resumptions that succeeded.\n# TYPE xha_sm_resumed_total counter\n" +
      `xha_sm_resumed_total ${this.resumed}\n` +
      "# HELP xha_sm_resume_failed_total XEP-0198 resumptions refused (unknown or expired id).\n" +
      "# TYPE xha_sm_resume_failed_total counter\n" +
      `xha_sm_resume_failed_total ${this.resumeFailures}\n` +
      "# HELP xha_sm_hibernation_ended_total Hibernating sessions that ended without a resume.\n" +
      "# TYPE xha_sm_hibernation_ended_total counter\n" +
      `xha_sm_hibernation_ended_total ${this.expired}\n`
    );
  }
}

/** The elements of urn:xmpp:sm:3 on an authenticated stream. */
function handleElement(sm: StreamManagement, session: Session, element: Element): void {
  const tap = session.tap instanceof SmState ? session.tap : undefined;
  switch (element.name) {
    case "enable":
      return session.send(enableStreamManagement(sm, session, element));
    case "resume": {
      const outcome = resumeStreamManagement(sm, session, element);
      if (outcome.resumed === undefined) return session.send(outcome.answer);
      outcome.resumed.send(outcome.answer);
      return outcome.replay();
    }
    case "r":
      // Without stream management enabled, <r/> and <a/> are ignored, as Prosody does: slixmpp sends
      // an <r/> right after binding, before its <enable/>.
      if (tap === undefined) return;
      return session.send(ack(tap.handled));
    case "a": {
      if (tap === undefined) return;
      const h = parseH(element.attrs.h);
      if (h === undefined) return session.close("invalid-xml", "Missing or invalid 'h' attribute");
      if (!tap.acknowledge(h))
        return session.close("undefined-condition", "Acknowledged more stanzas than were sent");
      return;
    }
    default:
      return session.close(
        "unsupported-stanza-type",
        `<${element.name}/> is not a stream management element`,
      );
  }
}

export function registerStreamManagement(deps: ChatDeps): StreamManagement {
  const { ctx } = deps;
  const sm = new StreamManagement();
  const offline = createOffline(deps);
  // §2: offered once authenticated, next to resource binding; not where it is on already (Bind2's
  // inline <enable/>, §3 once per stream): a client would try to resume or enable it again.
  ctx.postAuthFeatures.push((session) =>
    session.tap instanceof SmState ? undefined : el("sm", { xmlns: NS_SM }),
  );
  for (const name of ["enable", "resume", "r", "a"])
    ctx.nonzas.set(nonzaKey(NS_SM, name), (session, element) => handleElement(sm, session, element));
  // After the session left the directory (so "another available resource" excludes it).
  ctx.hooks.unbound.add((session) => {
    const tap = session.tap;
    if (!(tap instanceof SmState)) return;
    return settleUnacked(ctx, offline, session, tap.takeUnacked());
  });
  return sm;
}
