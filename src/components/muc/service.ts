// The MUC service on its component domain (XEP-0045): rooms by bare JID, created on first entry
// (§10.1) within restrict_room_creation and muc_max_rooms; persistent rooms loaded from the store at
// start; occupants leave when their session ends or their account is removed (XEP-0077).
import { el, type Element } from "../../xml/element.ts";
import type { Jid } from "../../jid.ts";
import { errorReply, iqResult, mayReplyWithError } from "../../stanza/errors.ts";
import { withAttrs } from "../../stanza/copy.ts";
import { iqPayload } from "../../router/iq-registry.ts";
import { parseStoredElement } from "../../xml/parse-stored.ts";
import { NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING, NS_VCARD } from "../../ns.ts";
import type { Component, ComponentEnv } from "../component.ts";
import type { MucOptions } from "./options.ts";
import { defaultRoomConfig, parseStoredConfig } from "./room-config.ts";
import { Room, type RoomHost, type Subject } from "./room.ts";
import { privateMessage, roomMessage } from "./room-messages.ts";
import { adminIq } from "./room-admin.ts";
import { ownerIq } from "./room-owner.ts";
import { mamIq } from "./room-mam.ts";
import { vcardIq } from "./room-vcard.ts";
import { roomInfo, serviceInfo, serviceItems } from "./disco.ts";
import { NS_MAM, NS_MUC_ADMIN, NS_MUC_OWNER } from "./ns.ts";
import type { MucRoomRow } from "../../storage/muc.ts";

export function createMucService(env: ComponentEnv, options: MucOptions): Component {
  const rooms = new Map<string, Room>();
  const { ctx, logger } = env;
  const host: RoomHost = {
    env,
    options,
    async save(room) {
      if (!room.config.persistent || room.locked || room.destroyed) return;
      await env.storage.store.mucSaveRoom(
        env.domain,
        room.jid,
        JSON.stringify(room.config),
        room.subject === undefined ? undefined : JSON.stringify(room.subject),
      );
    },
    gone(room) {
      if (rooms.get(room.jid) !== room) return;
      rooms.delete(room.jid);
      env.released(room.jid);
    },
  };

  const reply = (stanza: Element, condition: Parameters<typeof errorReply>[1], text?: string) => {
    if (mayReplyWithError(stanza))
      env.send(errorReply(stanza, condition, text === undefined ? {} : { text }));
  };

  const mayCreate = (from: Jid) => {
    const bare = from.bare().toString();
    if (options.admins.includes(bare)) return true;
    if (options.restrict_room_creation === "admin") return false;
    // "local": every sender here is an account of one of our hosts (no server-to-server).
    return options.restrict_room_creation !== "local" || ctx.hosts.has(from.domain);
  };

  const presence = async (stanza: Element, from: Jid, to: Jid): Promise<void> => {
    const bareRoom = to.bare().toString();
    let room = rooms.get(bareRoom);
    const type = stanza.attrs.type;
    const o = room?.occupantOf(from);
    if (type === "unavailable" || type === "error") {
      // §7.14 exit; a presence error from an occupant's client means it is gone.
      if (room !== undefined && o !== undefined)
        room.remove(
          o,
          [],
          {},
          type === "unavailable" ? stanza.elements.filter((c) => c.name === "status").slice(0, 1) : [],
        );
      return;
    }
    if (type !== undefined) return; // subscriptions and probes mean nothing to a room
    if (to.local === undefined || to.resource === undefined || to.resource === "")
      return reply(stanza, "jid-malformed", "Join with room@service/nick");
    if ([...to.resource].length > options.muc_max_nick_length)
      return reply(
        stanza,
        "not-acceptable",
        `Nicknames have at most ${options.muc_max_nick_length} characters`,
      );
    if (room !== undefined && o !== undefined) return room.update(stanza, o, to.resource);
    let created = false;
    if (room === undefined) {
      if (!mayCreate(from)) return reply(stanza, "not-allowed", "You may not create rooms here");
      if (rooms.size >= options.muc_max_rooms) return reply(stanza, "resource-constraint", "Too many rooms");
      room = new Room(bareRoom, defaultRoomConfig(options), host);
      room.affiliations.set(from.bare().toString(), { affiliation: "owner" });
      room.locked = options.muc_room_locking;
      rooms.set(bareRoom, room);
      created = true;
    }
    room.join(stanza, from, to.resource, created);
    if (created && room.occupants.size === 0) return host.gone(room);
    // Without muc_room_locking a new room is live at once: a persistent one is stored now.
    if (created && !room.locked && room.config.persistent) {
      await host.save(room);
      await env.storage.store.mucSetAffiliation(room.jid, from.bare().toString(), "owner", undefined);
    }
  };

  const message = async (stanza: Element, from: Jid, to: Jid) => {
    if (to.local === undefined) return reply(stanza, "service-unavailable");
    const room = rooms.get(to.bare().toString());
    if (room === undefined) return reply(stanza, "item-not-found", "No such room");
    if (to.resource === undefined) return roomMessage(room, stanza, from);
    return privateMessage(room, stanza, from, to.resource);
  };

  const roomIq = async (
    room: Room,
    iq: Element,
    payload: Element,
    from: Jid,
  ): Promise<Element | undefined> => {
    const bare = from.bare().toString();
    const get = iq.attrs.type === "get";
    if (payload.xmlns === NS_DISCO_INFO && get) return iqResult(iq, roomInfo(room));
    if (payload.xmlns === NS_DISCO_ITEMS && get) return iqResult(iq, el("query", { xmlns: NS_DISCO_ITEMS }));
    if (payload.xmlns === NS_PING && get) return iqResult(iq);
    if (payload.xmlns === NS_MUC_ADMIN) return adminIq(room, iq, payload, room.occupantOf(from), bare);
    if (payload.xmlns === NS_MUC_OWNER) return ownerIq(room, iq, payload, bare);
    if (payload.xmlns === NS_MAM && payload.name === "query") return mamIq(room, iq, payload, bare);
    if (payload.xmlns === NS_VCARD && payload.name === "vCard") return vcardIq(room, iq, payload, bare);
    return errorReply(iq, "service-unavailable");
  };

  /** An IQ to room/nick: XEP-0410 self-ping answered here; others forwarded between occupants. */
  const occupantIq = (
    room: Room,
    iq: Element,
    payload: Element | undefined | null,
    from: Jid,
    nick: string,
  ): Element | undefined => {
    const o = room.occupantOf(from);
    const result = iq.attrs.type === "result" || iq.attrs.type === "error";
    if (o === undefined)
      return result ? undefined : errorReply(iq, "not-acceptable", { text: "You are not in this room" });
    const target = room.occupants.get(nick);
    if (target === undefined) return result ? undefined : errorReply(iq, "item-not-found");
    if (target === o && payload?.xmlns === NS_PING && iq.attrs.type === "get") return iqResult(iq);
    env.send(withAttrs(iq, { from: room.occupantJid(o.nick), to: target.jid.toString() }));
    return undefined;
  };

  const iq = async (stanza: Element, from: Jid, to: Jid) => {
    const type = stanza.attrs.type;
    const payload = iqPayload(stanza);
    const room = to.local === undefined ? undefined : rooms.get(to.bare().toString());
    if (room !== undefined && to.resource !== undefined) {
      const r = occupantIq(room, stanza, payload, from, to.resource);
      if (r !== undefined) env.send(r);
      return;
    }
    if (type === "result" || type === "error") return;
    if (stanza.attrs.id === undefined || (type !== "get" && type !== "set") || !payload)
      return reply(stanza, "bad-request", "Malformed IQ");
    let r: Element | undefined;
    if (to.local === undefined) {
      if (payload.xmlns === NS_DISCO_INFO && type === "get") r = iqResult(stanza, serviceInfo(options.name));
      else if (payload.xmlns === NS_DISCO_ITEMS && type === "get")
        r = iqResult(stanza, serviceItems(rooms.values()));
      else if (payload.xmlns === NS_PING && type === "get") r = iqResult(stanza);
      else r = errorReply(stanza, "service-unavailable");
    } else if (
      room === undefined ||
      (room.locked && room.affiliationOf(from.bare().toString()) !== "owner")
    ) {
      r = errorReply(stanza, "item-not-found", { text: "No such room" });
    } else {
      r = await roomIq(room, stanza, payload, from);
    }
    if (r !== undefined) env.send(r);
  };

  /** Every occupant with this real JID (full) or account (bare) leaves every room. */
  const leaveAll = (match: (real: Jid) => boolean, codes: number[]) => {
    for (const room of [...rooms.values()])
      for (const o of [...room.occupants.values()]) if (match(o.jid)) room.remove(o, codes);
  };

  /** A persistent room as stored: configuration, subject, affiliations and its recent history. */
  const loadRoom = async (row: MucRoomRow): Promise<Room> => {
    const store = env.storage.store;
    const room = new Room(row.room, parseStoredConfig(row.config, defaultRoomConfig(options)), host);
    if (row.subject !== undefined) room.subject = JSON.parse(row.subject) as Subject;
    for (const a of await store.mucAffiliations(row.room))
      room.affiliations.set(a.jid, {
        affiliation: a.affiliation,
        ...(a.reason === undefined ? {} : { reason: a.reason }),
      });
    if (room.config.logging && room.config.historyLength > 0)
      for (const h of await store.mucRecent(row.room, room.config.historyLength)) {
        const stanza = parseStoredElement(h.stanza);
        if (stanza !== undefined) room.addHistory(stanza, h.ts);
      }
    return room;
  };

  return {
    name: options.name,
    async receive(stanza, from, to) {
      try {
        if (stanza.name === "presence") return await presence(stanza, from, to);
        if (stanza.name === "message") return await message(stanza, from, to);
        if (stanza.name === "iq") return await iq(stanza, from, to);
      } catch (err) {
        logger.error({ err, to: to.toString() }, "the MUC service failed on a stanza");
        reply(stanza, "internal-server-error");
      }
    },
    // RFC 6121 §4.5.2: the session's unavailable presence reaches its rooms: it leaves them.
    unavailable(from) {
      const full = from.toString();
      leaveAll((real) => real.toString() === full, []);
    },
    clustered: "owner-per-jid",
    // In a cluster this node just became the room's owner: what another node kept of it is in the
    // store; a copy held here from an earlier ownership is stale, and its occupants are dropped
    // silently (they were told by the previous owner, or rejoin after a XEP-0410 self-ping fails).
    async adopt(jid) {
      rooms.delete(jid);
      const row = (await env.storage.store.mucRooms(env.domain)).find((r) => r.room === jid);
      if (row !== undefined) rooms.set(jid, await loadRoom(row));
    },
    sessionEnded(jid) {
      const full = jid.toString();
      leaveAll((real) => real.toString() === full, [333]);
    },
    async start() {
      for (const row of await env.storage.store.mucRooms(env.domain))
        rooms.set(row.room, await loadRoom(row));
      logger.info({ rooms: rooms.size }, "MUC service started");
      // A session that ends without leaving leaves now with 333 (§15.2, disconnected); its node runs
      // this hook, and a dead node's sessions are reaped on one surviving node.
      ctx.hooks.unbound.add((session) => {
        const jid = session.jid?.toString();
        if (jid !== undefined) leaveAll((real) => real.toString() === jid, [333]);
      });
      ctx.sessions.reaped.add((h) => leaveAll((real) => real.equals(h.jid), [333]));
      // XEP-0077 removal: the account leaves every room and loses its affiliations (the store's
      // deleteAccount forgets them on disk).
      ctx.hooks.accountRemoved.add((account) => {
        leaveAll((real) => real.bare().toString() === account, [321]);
        for (const room of rooms.values()) room.affiliations.delete(account);
      });
    },
    async stop() {
      // §15.2 332: the service is going away; occupants are told they are out.
      leaveAll(() => true, [332]);
      rooms.clear();
      return Promise.resolve();
    },
  };
}
