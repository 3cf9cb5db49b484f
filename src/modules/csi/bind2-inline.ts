// XEP-0386 §2.2 with XEP-0352: a client that binds while in the background says so inline,
// <inactive xmlns='urn:xmpp:csi:0'/> in its Bind2 request; nothing goes into <bound/> for it.
import { NS_CSI } from "../../ns.ts";
import type { BindInlineFeature } from "../../stream/sasl2-inline.ts";
import { setClientState } from "./index.ts";

export function csiBindFeature(): BindInlineFeature {
  return {
    var: NS_CSI,
    offered: () => true,
    matches: (child) =>
      child.xmlns === NS_CSI && (child.localName === "inactive" || child.localName === "active"),
    enable: (session, child) => {
      setClientState(session, child.localName === "inactive" ? "inactive" : "active");
      return Promise.resolve([]);
    },
  };
}
