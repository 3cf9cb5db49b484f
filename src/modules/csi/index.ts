// XEP-0352 Client State Indication: the <csi/> stream feature after authentication (§4), and the
// <inactive/> and <active/> nonzas (§5): while inactive, non-urgent stanzas are held back
// (./held-stanzas.ts), and <active/> delivers them, in order. The hold sits at the session's send(),
// before Session.write where a stanza is really written (and where stream management counts).
import { el } from "../../xml/element.ts";
import { NS_CSI } from "../../ns.ts";
import { nonzaKey, type ServerContext } from "../../server-context.ts";
import type { Session } from "../../stream/session.ts";
import { HeldStanzas } from "./held-stanzas.ts";
import { csiBindFeature } from "./bind2-inline.ts";

function inactive(session: Session): void {
  if (session.gate instanceof HeldStanzas) return;
  session.gate = new HeldStanzas((s) => session.write(s), session.ctx.global.csi_queue_size);
}

function active(session: Session): void {
  const gate = session.gate;
  if (!(gate instanceof HeldStanzas)) return;
  session.gate = undefined;
  gate.release();
}

/** XEP-0352 §5: the client's state, from a nonza or from its Bind2 request (./bind2-inline.ts). */
export function setClientState(session: Session, state: "active" | "inactive"): void {
  if (state === "inactive") inactive(session);
  else active(session);
}

export function registerCsi(ctx: ServerContext): void {
  ctx.postAuthFeatures.push(() => el("csi", { xmlns: NS_CSI }));
  ctx.nonzas.set(nonzaKey(NS_CSI, "inactive"), inactive);
  ctx.nonzas.set(nonzaKey(NS_CSI, "active"), active);
  ctx.inline.addBind(csiBindFeature());
}
