// XEP-0198 §5 inline in SASL2 (XEP-0388 §2.1 inline features, §2.6.1 success): <sm xmlns='urn:xmpp:sm:3'/>
// is listed in <authentication><inline/>; a <resume previd h/> in <authenticate/> is tried once the
// client is authenticated, with the classic resume's rules (same account, this node's session), and
// its <resumed/> or <failed/> goes into <success/>. It runs before Bind2 (XEP-0386 §2.2): a resumed
// session is bound, so a <bind/> beside it is ignored; after a failure Bind2 binds as usual.
import { el } from "../../xml/element.ts";
import { childIn } from "../../stream/sasl2.ts";
import type { InlineOutcome, Sasl2InlineFeature } from "../../stream/sasl2-inline.ts";
import { resumeStreamManagement } from "./resume.ts";
import { NS_SM } from "./sm-elements.ts";
import type { StreamManagement } from "./stream-management.ts";

export function smSasl2Feature(sm: StreamManagement): Sasl2InlineFeature {
  return {
    order: 0,
    advertise: () => el("sm", { xmlns: NS_SM }),
    onSuccess: (session, request) => {
      const resume = childIn(request.authenticate, "resume", NS_SM);
      if (resume === undefined) return Promise.resolve(undefined);
      // resumeStreamManagement checks the account: a login as A never takes B's session.
      const outcome = resumeStreamManagement(sm, session, resume);
      const result: InlineOutcome =
        outcome.resumed === undefined
          ? { elements: [outcome.answer] }
          : {
              elements: [outcome.answer],
              bound: true,
              resumed: outcome.resumed,
              afterSuccess: () => outcome.replay(),
            };
      return Promise.resolve(result);
    },
  };
}
