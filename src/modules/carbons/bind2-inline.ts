// XEP-0386 §2.2 with XEP-0280: <enable xmlns='urn:xmpp:carbons:2'/> inside a Bind2 request turns
// carbons on for the new session at once; it cannot fail, so <bound/> carries nothing for it.
import { NS_CARBONS } from "../../ns.ts";
import type { BindInlineFeature } from "../../stream/sasl2-inline.ts";

export function carbonsBindFeature(): BindInlineFeature {
  return {
    var: NS_CARBONS,
    offered: () => true,
    matches: (child) => child.localName === "enable" && child.xmlns === NS_CARBONS,
    enable: (session) => {
      session.ctx.sessions.update(session, { carbons: true });
      return Promise.resolve([]);
    },
  };
}
