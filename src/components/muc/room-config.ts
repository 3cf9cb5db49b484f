// A room's configuration and its muc#roomconfig data form (XEP-0045 §10.2, XEP-0004). Kept as JSON
// in the store for persistent rooms.
import { el, type Element } from "../../xml/element.ts";
import { NS_DATA } from "../../ns.ts";
import type { MucOptions } from "./options.ts";

export type Whois = "moderators" | "anyone";

export interface RoomConfig {
  readonly name: string;
  readonly description: string;
  readonly persistent: boolean;
  readonly public: boolean;
  readonly membersOnly: boolean;
  readonly moderated: boolean;
  readonly password: string;
  readonly whois: Whois;
  readonly changeSubject: boolean;
  readonly allowInvites: boolean;
  readonly allowPm: "anyone" | "participants" | "moderators" | "none";
  readonly maxUsers: number;
  readonly logging: boolean;
  readonly historyLength: number;
  /** The room's XEP-0054 vCard (serialized), set by owners; "" when none. Not a form field. */
  readonly vcard: string;
}

export const NS_ROOMCONFIG_FORM = "http://jabber.org/protocol/muc#roomconfig";

export function defaultRoomConfig(o: MucOptions): RoomConfig {
  return {
    name: "",
    description: "",
    persistent: o.muc_room_default_persistent,
    public: o.muc_room_default_public,
    membersOnly: o.muc_room_default_members_only,
    moderated: o.muc_room_default_moderated,
    password: "",
    whois: o.muc_room_default_public_jids ? "anyone" : "moderators",
    changeSubject: o.muc_room_default_change_subject,
    allowInvites: o.muc_room_default_allow_invites,
    allowPm: "anyone",
    maxUsers: o.muc_max_occupants,
    logging: o.muc_log_by_default,
    historyLength: Math.min(o.muc_room_default_history_length, o.max_history_messages),
    vcard: "",
  };
}

/** A stored configuration over the defaults (fields a later version adds get their default). */
export function parseStoredConfig(json: string, defaults: RoomConfig): RoomConfig {
  const raw = JSON.parse(json) as Partial<RoomConfig>;
  const out: Record<string, unknown> = { ...defaults };
  for (const k of Object.keys(defaults))
    if (typeof raw[k as keyof RoomConfig] === typeof defaults[k as keyof RoomConfig])
      out[k] = raw[k as keyof RoomConfig];
  return out as unknown as RoomConfig;
}

const field = (
  v: string,
  type: string,
  label: string,
  value: string | boolean | number,
  ...rest: Element[]
) =>
  el(
    "field",
    { var: v, type, label },
    el("value", {}, typeof value === "boolean" ? (value ? "1" : "0") : String(value)),
    ...rest,
  );
const option = (value: string, label: string) => el("option", { label }, el("value", {}, value));

/** The form an owner gets (§10.2), filled with the current values. */
export function configForm(c: RoomConfig, maxUsers: number): Element {
  return el(
    "x",
    { xmlns: NS_DATA, type: "form" },
    el("title", {}, "Room configuration"),
    field("FORM_TYPE", "hidden", "", NS_ROOMCONFIG_FORM),
    field("muc#roomconfig_roomname", "text-single", "Name", c.name),
    field("muc#roomconfig_roomdesc", "text-single", "Description", c.description),
    field("muc#roomconfig_persistentroom", "boolean", "Persistent", c.persistent),
    field("muc#roomconfig_publicroom", "boolean", "Listed in the public directory", c.public),
    field("muc#roomconfig_membersonly", "boolean", "Members only", c.membersOnly),
    field("muc#roomconfig_moderatedroom", "boolean", "Moderated", c.moderated),
    field("muc#roomconfig_passwordprotectedroom", "boolean", "Password protected", c.password !== ""),
    field("muc#roomconfig_roomsecret", "text-private", "Password", c.password),
    field(
      "muc#roomconfig_whois",
      "list-single",
      "Who may see real JIDs",
      c.whois,
      option("moderators", "Moderators"),
      option("anyone", "Anyone"),
    ),
    field("muc#roomconfig_changesubject", "boolean", "Participants may change the subject", c.changeSubject),
    field("muc#roomconfig_allowinvites", "boolean", "Members may invite", c.allowInvites),
    field(
      "muc#roomconfig_allowpm",
      "list-single",
      "Who may send private messages",
      c.allowPm,
      option("anyone", "Anyone"),
      option("participants", "Participants"),
      option("moderators", "Moderators"),
      option("none", "Nobody"),
    ),
    field("muc#roomconfig_maxusers", "text-single", `Maximum occupants (up to ${maxUsers})`, c.maxUsers),
    field("muc#roomconfig_enablelogging", "boolean", "Archive messages", c.logging),
    field("muc#roomconfig_historylength", "text-single", "History length", c.historyLength),
  );
}

const bool = (s: string | undefined): boolean | undefined =>
  s === "1" || s === "true" ? true : s === "0" || s === "false" ? false : undefined;

/** Applies a submitted form (§10.2); returns the new configuration or a reason for bad-request. */
export function applyConfigForm(
  c: RoomConfig,
  form: Element,
  limits: { maxUsers: number; maxHistory: number },
): RoomConfig | string {
  const next: { -readonly [K in keyof RoomConfig]: RoomConfig[K] } = { ...c };
  let passwordProtected: boolean | undefined;
  for (const f of form.getChildren("field")) {
    const name = f.attrs.var;
    const value = f.getChildText("value") ?? "";
    const b = bool(value);
    const needBool = (set: (x: boolean) => void) => {
      if (b === undefined) return `${name ?? ""} must be a boolean`;
      set(b);
      return undefined;
    };
    let problem: string | undefined;
    switch (name) {
      case "muc#roomconfig_roomname":
        next.name = value.slice(0, 256);
        break;
      case "muc#roomconfig_roomdesc":
        next.description = value.slice(0, 1024);
        break;
      case "muc#roomconfig_persistentroom":
        problem = needBool((x) => (next.persistent = x));
        break;
      case "muc#roomconfig_publicroom":
        problem = needBool((x) => (next.public = x));
        break;
      case "muc#roomconfig_membersonly":
        problem = needBool((x) => (next.membersOnly = x));
        break;
      case "muc#roomconfig_moderatedroom":
        problem = needBool((x) => (next.moderated = x));
        break;
      case "muc#roomconfig_passwordprotectedroom":
        problem = needBool((x) => (passwordProtected = x));
        break;
      case "muc#roomconfig_roomsecret":
        next.password = value.slice(0, 256);
        break;
      case "muc#roomconfig_whois":
        if (value !== "moderators" && value !== "anyone")
          problem = "muc#roomconfig_whois: moderators or anyone";
        else next.whois = value;
        break;
      case "muc#roomconfig_changesubject":
        problem = needBool((x) => (next.changeSubject = x));
        break;
      case "muc#roomconfig_allowinvites":
        problem = needBool((x) => (next.allowInvites = x));
        break;
      case "muc#roomconfig_allowpm":
        if (value !== "anyone" && value !== "participants" && value !== "moderators" && value !== "none")
          problem = "muc#roomconfig_allowpm: anyone, participants, moderators or none";
        else next.allowPm = value;
        break;
      case "muc#roomconfig_maxusers": {
        const n = value === "none" ? limits.maxUsers : Number(value);
        if (!Number.isInteger(n) || n < 1 || n > limits.maxUsers)
          problem = `muc#roomconfig_maxusers must be from 1 to ${limits.maxUsers}`;
        else next.maxUsers = n;
        break;
      }
      case "muc#roomconfig_enablelogging":
        problem = needBool((x) => (next.logging = x));
        break;
      case "muc#roomconfig_historylength": {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0) problem = "muc#roomconfig_historylength must be a whole number";
        else next.historyLength = Math.min(n, limits.maxHistory);
        break;
      }
      default:
        break; // FORM_TYPE and fields we do not know are ignored (XEP-0004 §3.2)
    }
    if (problem !== undefined) return problem;
  }
  if (passwordProtected === false) next.password = "";
  if (passwordProtected === true && next.password === "")
    return "muc#roomconfig_roomsecret is required for a password-protected room";
  return next;
}
