// XEP-0386 (Bind 2) as a SASL2 inline feature: <bind xmlns='urn:xmpp:bind:0'/> advertised with its
// own inline features (§2.1); a <bind/> in <authenticate/> binds a resource after authentication and
// before <success/> (§2.2), named "<tag>/<server part>" (§2.2.1), the server part stable per account,
// tag and user-agent id, so a reconnecting client gets its resource back and replaces its old session.
import { createHash } from "node:crypto";
import { el, type Element } from "../xml/element.ts";
import { NS_BIND2 } from "../ns.ts";
import { resourcePrep } from "../precis/index.ts";
import { claimResource, randomResource } from "./bind.ts";
import type { Session } from "./session.ts";
import type { Sasl2InlineFeature, Sasl2Request } from "./sasl2-inline.ts";

/** A longer tag is dropped (it is diagnostic only, and it shows in the JID). */
const MAX_TAG = 64;

/** The resource for a Bind2 request: §2.2.1's recommended "<tag>/<generated>" form. */
export function bind2Resource(
  account: string,
  tag: string | undefined,
  userAgentId: string | undefined,
): string {
  let prefix: string | undefined;
  if (tag !== undefined && tag.trim() !== "") {
    const prepared = resourcePrep(tag.trim());
    if (prepared.ok && prepared.value.length <= MAX_TAG) prefix = prepared.value;
  }
  // §2.2.1: stable per tag and user-agent id, which itself must not show: a hash of both with the
  // account (so two accounts' resources for one client cannot be linked).
  const suffix =
    userAgentId === undefined
      ? randomResource()
      : createHash("sha256")
          .update(`${account}\0${tag ?? ""}\0${userAgentId}`, "utf8")
          .digest("base64url")
          .slice(0, 12);
  return prefix === undefined ? suffix : `${prefix}/${suffix}`;
}

export function bind2Feature(): Sasl2InlineFeature {
  return {
    order: 100,
    advertise: (session) => {
      const offered = session.ctx.inline.bindFeatures.filter((f) => f.offered(session));
      return el(
        "bind",
        { xmlns: NS_BIND2 },
        ...(offered.length > 0
          ? [el("inline", {}, ...offered.map((f) => el("feature", { var: f.var })))]
          : []),
      );
    },
    onSuccess: (session, request, bound) => bindInline(session, request, bound),
  };
}

async function bindInline(
  session: Session,
  request: Sasl2Request,
  alreadyBound: boolean,
): Promise<{ elements: Element[]; bound: boolean } | undefined> {
  const bind = request.authenticate.elements.find((c) => c.localName === "bind" && c.xmlns === NS_BIND2);
  // §2.2 note: a resumed session is bound already; its <bind/> is ignored.
  if (bind === undefined || alreadyBound || session.bound) return undefined;
  const account = session.jid?.toString() ?? "";
  const resource = bind2Resource(account, bind.getChildText("tag"), request.userAgentId);
  if (!(await claimResource(session, resource))) return undefined;
  const results: Element[] = [];
  for (const child of bind.elements) {
    if (child.localName === "tag") continue;
    const feature = session.ctx.inline.bindFeatures.find((f) => f.matches(child) && f.offered(session));
    // An unknown request is ignored: the client sees no result for it in <bound/>.
    if (feature !== undefined) results.push(...(await feature.enable(session, child)));
    if (!session.isOpen) return undefined;
  }
  return { elements: [el("bound", { xmlns: NS_BIND2 }, ...results)], bound: true };
}
