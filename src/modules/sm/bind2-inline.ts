// XEP-0386 §2.2 with XEP-0198 §3: <enable xmlns='urn:xmpp:sm:3'/> inside a Bind2 request enables
// stream management on the new session at once; its <enabled/> (or <failed/>) goes into <bound/>.
import type { BindInlineFeature } from "../../stream/sasl2-inline.ts";
import { enableStreamManagement } from "./enable.ts";
import { NS_SM } from "./sm-elements.ts";
import type { StreamManagement } from "./stream-management.ts";

export function smBindFeature(sm: StreamManagement): BindInlineFeature {
  return {
    var: NS_SM,
    offered: () => true,
    matches: (child) => child.localName === "enable" && child.xmlns === NS_SM,
    enable: (session, child) => Promise.resolve([enableStreamManagement(sm, session, child)]),
  };
}
