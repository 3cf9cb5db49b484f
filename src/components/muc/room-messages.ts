// Messages in a room: groupchat to everyone with a XEP-0359 stanza-id (XEP-0045 §7.4), subject
// changes (§8.1), private messages between occupants (§7.5), and mediated invitations and declines
// (§7.8.2, §7.8.3). Archived first when the room logs (XEP-0313), so a sender waits for the store.
import { randomUUID } from "node:crypto";
import { el, type Element } from "../../xml/element.ts";
import { tryParseJid, type Jid } from "../../jid.ts";
import { withAttrs } from "../../stanza/copy.ts";
import { errorReply, mayReplyWithError } from "../../stanza/errors.ts";
import type { Room } from "./room.ts";
import { NS_MUC_USER, NS_SID } from "./ns.ts";
import { rankOf } from "./occupant.ts";

const MAX_INVITES = 10;

function refuse(
  room: Room,
  stanza: Element,
  condition: Parameters<typeof errorReply>[1],
  text?: string,
): void {
  if (mayReplyWithError(stanza))
    room.env.send(errorReply(stanza, condition, text === undefined ? {} : { text }));
}

/** A message to the room's bare JID. */
export async function roomMessage(room: Room, stanza: Element, from: Jid): Promise<void> {
  if (stanza.attrs.type === "error") return;
  const o = room.occupantOf(from);
  const x = stanza.getChild("x", NS_MUC_USER);
  if (x !== undefined && (x.getChild("invite") !== undefined || x.getChild("decline") !== undefined))
    return invitations(room, stanza, from, x);
  if (stanza.attrs.type !== "groupchat")
    return refuse(room, stanza, "bad-request", "Send groupchat messages to the room");
  if (o === undefined) return refuse(room, stanza, "not-acceptable", "You are not in this room");
  if (o.role === "visitor" || o.role === "none")
    return refuse(room, stanza, "forbidden", "You have no voice in this room");
  const subject = stanza.getChild("subject");
  if (subject !== undefined && stanza.getChild("body") === undefined) {
    // §8.1: moderators, or participants when the room allows it.
    if (o.role !== "moderator" && !room.config.changeSubject)
      return refuse(room, stanza, "forbidden", "Only moderators may change the subject");
    room.subject = { text: subject.text().slice(0, 1024), from: room.occupantJid(o.nick) };
    await room.host.save(room);
  }
  // XEP-0359 §3: a stanza-id claiming to be ours is the sender's forgery; ours replaces it.
  const children = stanza.children.filter(
    (c) =>
      typeof c === "string" || !(c.name === "stanza-id" && c.xmlns === NS_SID && c.attrs.by === room.jid),
  );
  const id = randomUUID();
  const ts = Date.now();
  const out = el(
    "message",
    {
      from: room.occupantJid(o.nick),
      type: "groupchat",
      id: stanza.attrs.id,
      "xml:lang": stanza.attrs["xml:lang"],
    },
    ...children,
    el("stanza-id", { xmlns: NS_SID, id, by: room.jid }),
  );
  if (room.config.logging && stanza.getChild("body") !== undefined) {
    try {
      await room.env.storage.store.mucArchive(room.jid, {
        stanzaId: id,
        ts,
        nick: o.nick,
        sender: from.bare().toString(),
        stanza: out.toString(),
      });
    } catch (err) {
      room.env.logger.error({ err, room: room.jid }, "archiving a room message failed");
      return refuse(room, stanza, "internal-server-error");
    }
  }
  if (stanza.getChild("body") !== undefined) room.addHistory(out, ts);
  for (const to of room.occupants.values()) room.env.send(withAttrs(out, { to: to.jid.toString() }));
}

/** §7.5: a message to room/nick from an occupant goes to that occupant's real JID. */
export function privateMessage(room: Room, stanza: Element, from: Jid, nick: string): void {
  if (stanza.attrs.type === "error") return;
  if (stanza.attrs.type === "groupchat")
    return refuse(room, stanza, "bad-request", "Groupchat messages go to the room");
  const o = room.occupantOf(from);
  if (o === undefined) return refuse(room, stanza, "not-acceptable", "You are not in this room");
  const target = room.occupants.get(nick);
  if (target === undefined) return refuse(room, stanza, "item-not-found", "No occupant has that nickname");
  const allowed =
    room.config.allowPm === "anyone" ||
    (room.config.allowPm === "participants" && o.role !== "visitor") ||
    (room.config.allowPm === "moderators" && o.role === "moderator");
  if (!allowed) return refuse(room, stanza, "forbidden", "Private messages are not allowed here");
  const out = withAttrs(stanza, { from: room.occupantJid(o.nick), to: target.jid.toString() });
  out.children.push(el("x", { xmlns: NS_MUC_USER }));
  room.env.send(out);
}

async function invitations(room: Room, stanza: Element, from: Jid, x: Element): Promise<void> {
  const invites = x.getChildren("invite");
  const sender = from.bare().toString();
  for (const decline of x.getChildren("decline").slice(0, 1)) {
    // §7.8.3: forwarded to the inviter, from the room.
    const to = tryParseJid(decline.attrs.to ?? "");
    if (to === undefined) return refuse(room, stanza, "jid-malformed");
    const reason = decline.getChildText("reason");
    room.env.send(
      el(
        "message",
        { from: room.jid, to: to.toString() },
        el(
          "x",
          { xmlns: NS_MUC_USER },
          el(
            "decline",
            { from: sender },
            ...(reason === undefined ? [] : [el("reason", {}, reason.slice(0, 1024))]),
          ),
        ),
      ),
    );
  }
  if (invites.length === 0) return;
  if (invites.length > MAX_INVITES)
    return refuse(room, stanza, "policy-violation", `At most ${MAX_INVITES} invitations at once`);
  const o = room.occupantOf(from);
  if (o === undefined) return refuse(room, stanza, "not-acceptable", "You are not in this room");
  const affiliation = room.affiliationOf(sender);
  // §7.8.2: in a members-only room only admins invite, unless members may (allowinvites).
  if (room.config.membersOnly && rankOf(affiliation) < (room.config.allowInvites ? 1 : 2))
    return refuse(room, stanza, "forbidden", "You may not invite to this room");
  const targets: Jid[] = [];
  for (const invite of invites) {
    const to = tryParseJid(invite.attrs.to ?? "");
    if (to === undefined) return refuse(room, stanza, "jid-malformed", "Invitee JID is invalid");
    targets.push(to);
  }
  for (const [i, to] of targets.entries()) {
    const reason = invites[i]?.getChildText("reason");
    const bare = to.bare().toString();
    // §9.3: an invitation to a members-only room by one who can add members makes the invitee one.
    if (room.config.membersOnly && room.affiliationOf(bare) === "none" && rankOf(affiliation) >= 1) {
      room.affiliations.set(bare, { affiliation: "member" });
      if (room.config.persistent)
        await room.env.storage.store.mucSetAffiliation(room.jid, bare, "member", undefined);
    }
    room.env.send(
      el(
        "message",
        { from: room.jid, to: to.toString(), id: randomUUID() },
        el(
          "x",
          { xmlns: NS_MUC_USER },
          el(
            "invite",
            { from: sender },
            ...(reason === undefined ? [] : [el("reason", {}, reason.slice(0, 1024))]),
          ),
          ...(room.config.password === "" ? [] : [el("password", {}, room.config.password)]),
        ),
        el(
          "body",
          {},
          `${sender} invites you to the room ${room.jid}${reason ? `: ${reason.slice(0, 1024)}` : ""}`,
        ),
      ),
    );
  }
}
