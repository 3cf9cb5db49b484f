// Occupants, affiliations and roles (XEP-0045 §5): what a role an affiliation gets by default (§5.1.2)
// and the presence each occupant is shown as (§7.2.3, status codes per §15.2).
import { el, type Element } from "../../xml/element.ts";
import type { Jid } from "../../jid.ts";
import { NS_MUC, NS_MUC_USER } from "./ns.ts";

export type Affiliation = "owner" | "admin" | "member" | "outcast" | "none";
export type Role = "moderator" | "participant" | "visitor" | "none";

export interface Occupant {
  nick: string;
  /** The occupant's real full JID (one session per nick). */
  readonly jid: Jid;
  role: Role;
  /** The occupant's last available presence: its children other than the MUC payloads. */
  payload: Element[];
}

const RANK: Record<Affiliation, number> = { outcast: -1, none: 0, member: 1, admin: 2, owner: 3 };

export const rankOf = (a: Affiliation): number => RANK[a];

/** §5.1.2: the role an occupant gets on entering. */
export function defaultRole(affiliation: Affiliation, moderated: boolean): Role {
  if (affiliation === "owner" || affiliation === "admin") return "moderator";
  if (affiliation === "outcast") return "none";
  if (moderated && affiliation === "none") return "visitor";
  return "participant";
}

/** The children of a user's presence worth repeating to the room (MUC payloads are the room's own). */
export function presencePayload(stanza: Element): Element[] {
  return stanza.elements.filter((c) => c.xmlns !== NS_MUC && c.xmlns !== NS_MUC_USER).slice(0, 16);
}

export interface ItemExtras {
  readonly jid?: string | undefined;
  readonly nick?: string | undefined;
  readonly actor?: string | undefined;
  readonly reason?: string | undefined;
}

/** The <x xmlns=muc#user> of an occupant's presence: its item, then status codes. */
export function mucUserX(
  affiliation: Affiliation,
  role: Role,
  extras: ItemExtras,
  codes: readonly number[],
  more: Element[] = [],
): Element {
  const item = el("item", { affiliation, role, jid: extras.jid, nick: extras.nick });
  if (extras.actor !== undefined) item.append(el("actor", { nick: extras.actor }));
  if (extras.reason !== undefined) item.append(el("reason", {}, extras.reason));
  return el(
    "x",
    { xmlns: NS_MUC_USER },
    item,
    ...more,
    ...codes.map((code) => el("status", { code: String(code) })),
  );
}
