// The options of a [components."domain"] table with module = "muc", named as Prosody's mod_muc names
// them (restrict_room_creation, muc_room_default_*, muc_log_by_default, max_history_messages, …).
import * as v from "../../config/validators.ts";
import { domainPrep, localpartPrep } from "../../precis/index.ts";
import type { ComponentOptionSpecs } from "../options.ts";

export interface MucOptions {
  readonly name: string;
  readonly restrict_room_creation: false | "local" | "admin";
  readonly admins: readonly string[];
  readonly muc_room_locking: boolean;
  readonly muc_room_default_public: boolean;
  readonly muc_room_default_persistent: boolean;
  readonly muc_room_default_members_only: boolean;
  readonly muc_room_default_moderated: boolean;
  readonly muc_room_default_public_jids: boolean;
  readonly muc_room_default_change_subject: boolean;
  readonly muc_room_default_allow_invites: boolean;
  readonly muc_room_default_history_length: number;
  readonly muc_log_by_default: boolean;
  readonly max_history_messages: number;
  readonly muc_max_occupants: number;
  readonly muc_max_rooms: number;
  readonly muc_max_affiliations: number;
  readonly muc_max_nick_length: number;
}

const creation: v.Check<false | "local" | "admin"> = (x) =>
  x === false || x === "local" || x === "admin"
    ? { ok: true, value: x }
    : { ok: false, message: 'must be false, "local" or "admin"' };

/** Bare JIDs, prepared. */
const bareJid: v.Check<string> = (x) => {
  if (typeof x !== "string") return { ok: false, message: "must be a bare JID string" };
  const at = x.indexOf("@");
  const local = localpartPrep(x.slice(0, Math.max(at, 0)));
  const domain = domainPrep(x.slice(at + 1));
  if (at <= 0 || x.includes("/") || !local.ok || !domain.ok)
    return { ok: false, message: `must be a bare JID like "admin@example.com", not ${JSON.stringify(x)}` };
  return { ok: true, value: `${local.value}@${domain.value}` };
};

export const MUC_OPTIONS: ComponentOptionSpecs<MucOptions> = {
  name: { check: v.nonEmptyStr, default: "Chatrooms", doc: "the service's name in disco (XEP-0030)" },
  restrict_room_creation: {
    check: creation,
    default: false,
    doc: 'who may create rooms: false (anyone), "local" (accounts of this server\'s hosts), "admin" (only `admins`)',
  },
  admins: {
    check: v.list(bareJid, { unique: true }),
    default: [],
    doc: "bare JIDs that own every room of the service and may always create rooms (Prosody's `admins`)",
  },
  muc_room_locking: {
    check: v.bool,
    default: true,
    doc: "a new room is locked until its owner configures it (XEP-0045 §10.1.1)",
  },
  muc_room_default_public: { check: v.bool, default: true, doc: "new rooms are listed in disco#items" },
  muc_room_default_persistent: {
    check: v.bool,
    default: false,
    doc: "new rooms outlive their last occupant",
  },
  muc_room_default_members_only: { check: v.bool, default: false, doc: "new rooms admit members only" },
  muc_room_default_moderated: { check: v.bool, default: false, doc: "new rooms give visitors no voice" },
  muc_room_default_public_jids: {
    check: v.bool,
    default: false,
    doc: "new rooms show occupants' real JIDs to everyone (non-anonymous), not only to moderators",
  },
  muc_room_default_change_subject: {
    check: v.bool,
    default: false,
    doc: "in new rooms participants, not only moderators, may change the subject",
  },
  muc_room_default_allow_invites: {
    check: v.bool,
    default: false,
    doc: "in new members-only rooms, members (not only admins) may invite",
  },
  muc_room_default_history_length: {
    check: v.int(0, 1000),
    default: 20,
    doc: "messages a new room sends to joining occupants (capped by max_history_messages)",
  },
  muc_log_by_default: {
    check: v.bool,
    default: false,
    doc: "new rooms keep an archive (XEP-0313 on the room JID; history survives restarts)",
  },
  max_history_messages: {
    check: v.int(0, 1000),
    default: 20,
    doc: "the most history messages a room keeps for joining occupants",
  },
  muc_max_occupants: {
    check: v.int(1, 100_000),
    default: 2000,
    doc: "the most occupants of one room (an owner may set a lower muc#roomconfig_maxusers)",
  },
  muc_max_rooms: { check: v.int(1, 10_000_000), default: 10_000, doc: "the most rooms the service holds" },
  muc_max_affiliations: {
    check: v.int(1, 1_000_000),
    default: 10_000,
    doc: "the most affiliations (owners, admins, members, outcasts) of one room",
  },
  muc_max_nick_length: {
    check: v.int(1, 1023),
    default: 23,
    doc: "the longest nickname, in characters (Prosody's default); a longer one is refused with not-acceptable",
  },
};
