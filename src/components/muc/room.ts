// One room (XEP-0045): its configuration, affiliations, occupants and recent history, and what
// happens when users enter (§7.2), change presence or nick (§7.6, §7.7), leave (§7.14) or are removed.
// Messages, administration and ownership are in room-messages.ts, room-admin.ts and room-owner.ts.
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { el, type Element } from "../../xml/element.ts";
import type { Jid } from "../../jid.ts";
import { withAttrs } from "../../stanza/copy.ts";
import { errorReply } from "../../stanza/errors.ts";
import { NS_DELAY } from "../../ns.ts";
import type { ComponentEnv } from "../component.ts";
import type { MucOptions } from "./options.ts";
import type { RoomConfig } from "./room-config.ts";
import { NS_MUC } from "./ns.ts";
import {
  defaultRole,
  mucUserX,
  presencePayload,
  type Affiliation,
  type Occupant,
  type Role,
} from "./occupant.ts";

/** A room password check that takes the same time whatever matches (digests of equal length). */
function samePassword(given: string | undefined, expected: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}

/** What a room needs from its service. */
export interface RoomHost {
  readonly env: ComponentEnv;
  readonly options: MucOptions;
  /** Writes the room's row when it is persistent (config and subject). */
  save(room: Room): Promise<void>;
  /** The room is empty and temporary, or destroyed: the service forgets it. */
  gone(room: Room): void;
}

export interface HistoryEntry {
  readonly stanza: Element;
  readonly ts: number;
}

export interface Subject {
  readonly text: string;
  /** The occupant JID that set it (room/nick), or the room's own JID. */
  readonly from: string;
}

export class Room {
  readonly occupants = new Map<string, Occupant>();
  /** Real full JID → nick. */
  readonly byReal = new Map<string, string>();
  readonly affiliations = new Map<string, { affiliation: Exclude<Affiliation, "none">; reason?: string }>();
  history: HistoryEntry[] = [];
  subject: Subject | undefined;
  /** §10.1.1: a new room admits only its owner until configured. */
  locked = false;
  destroyed = false;

  constructor(
    readonly jid: string,
    public config: RoomConfig,
    readonly host: RoomHost,
  ) {}

  get env(): ComponentEnv {
    return this.host.env;
  }

  affiliationOf(bare: string): Affiliation {
    if (this.host.options.admins.includes(bare)) return "owner";
    return this.affiliations.get(bare)?.affiliation ?? "none";
  }

  occupantOf(real: Jid): Occupant | undefined {
    const nick = this.byReal.get(real.toString());
    return nick === undefined ? undefined : this.occupants.get(nick);
  }

  occupantJid(nick: string): string {
    return `${this.jid}/${nick}`;
  }

  get nonAnonymous(): boolean {
    return this.config.whois === "anyone";
  }

  /** The presence of `o` as `to` sees it (the real JID only when the room or `to`'s role allows). */
  presenceOf(
    o: Occupant,
    to: Occupant,
    codes: number[] = [],
    type?: string,
    extras: Partial<{ nick: string; actor: string; reason: string }> = {},
    more: Element[] = [],
  ): Element {
    const showJid = this.nonAnonymous || to.role === "moderator";
    const x = mucUserX(
      this.affiliationOf(o.jid.bare().toString()),
      type === "unavailable" ? "none" : o.role,
      { jid: showJid ? o.jid.toString() : undefined, ...extras },
      to === o ? [...codes, 110] : codes,
      more,
    );
    return el(
      "presence",
      { from: this.occupantJid(o.nick), to: to.jid.toString(), type },
      ...(type === "unavailable" ? [] : o.payload),
      x,
    );
  }

  /** Sends `o`'s presence to every occupant (self gets 110 and `selfCodes`). */
  broadcastPresence(
    o: Occupant,
    codes: number[] = [],
    type?: string,
    extras: Partial<{ nick: string; actor: string; reason: string }> = {},
    selfCodes: number[] = [],
    more: Element[] = [],
  ): void {
    for (const to of this.occupants.values())
      this.env.send(this.presenceOf(o, to, to === o ? [...codes, ...selfCodes] : codes, type, extras, more));
    if (type === "unavailable" && !this.occupants.has(o.nick))
      this.env.send(this.presenceOf(o, o, [...codes, ...selfCodes], type, extras, more));
  }

  /** §7.2: an entry attempt; `created` when this presence created the room (§10.1). */
  join(stanza: Element, from: Jid, nick: string, created: boolean): void {
    const bare = from.bare().toString();
    const affiliation = this.affiliationOf(bare);
    const refuse = (condition: Parameters<typeof errorReply>[1], text?: string) => {
      const reply = errorReply(stanza, condition, text === undefined ? {} : { text });
      reply.append(el("x", { xmlns: NS_MUC }));
      this.env.send(reply);
    };
    const x = stanza.getChild("x", NS_MUC);
    // §7.2.7, §7.2.9, §7.2.6, §7.2.5, §7.2.8 in that order; a locked room is not there yet for others.
    if (this.locked && affiliation !== "owner")
      return refuse("item-not-found", "This room is not configured yet");
    if (affiliation === "outcast") return refuse("forbidden", "You are banned from this room");
    if (this.occupants.has(nick)) return refuse("conflict", "That nickname is in use");
    if (this.config.membersOnly && affiliation === "none")
      return refuse("registration-required", "This room is for members only");
    if (
      this.config.password !== "" &&
      affiliation !== "owner" &&
      !samePassword(x?.getChildText("password"), this.config.password)
    )
      return refuse("not-authorized", "A password is required");
    if (this.occupants.size >= this.config.maxUsers && affiliation !== "owner" && affiliation !== "admin")
      return refuse("service-unavailable", "The room is full");
    const o: Occupant = {
      nick,
      jid: from,
      role: defaultRole(affiliation, this.config.moderated),
      payload: presencePayload(stanza),
    };
    // §7.2.3: the others' presence first, then the newcomer's to everyone, self last with 110.
    for (const other of this.occupants.values()) this.env.send(this.presenceOf(other, o));
    this.occupants.set(nick, o);
    this.byReal.set(from.toString(), nick);
    const selfCodes = [
      ...(this.nonAnonymous ? [100] : []),
      ...(this.config.logging ? [170] : []),
      ...(created ? [201] : []),
    ];
    for (const to of this.occupants.values()) if (to !== o) this.env.send(this.presenceOf(o, to));
    this.env.send(this.presenceOf(o, o, selfCodes));
    this.sendHistory(o, x?.getChild("history"));
    // §7.2.15: the subject (empty when none) comes after the history.
    this.env.send(
      el(
        "message",
        { from: this.subject?.from ?? this.jid, to: from.toString(), type: "groupchat", id: randomUUID() },
        el("subject", {}, this.subject?.text ?? ""),
      ),
    );
  }

  /** §7.2.14: history as asked (maxstanzas, maxchars=0, seconds, since), each with a delay. */
  private sendHistory(o: Occupant, request: Element | undefined): void {
    let entries = this.history;
    const num = (s: string | undefined) => (s === undefined || !/^\d{1,9}$/.test(s) ? undefined : Number(s));
    const maxStanzas = num(request?.attrs.maxstanzas);
    const seconds = num(request?.attrs.seconds);
    const since = request?.attrs.since === undefined ? undefined : Date.parse(request.attrs.since);
    if (request?.attrs.maxchars === "0") return;
    if (seconds !== undefined) entries = entries.filter((e) => e.ts >= Date.now() - seconds * 1000);
    if (since !== undefined && !Number.isNaN(since)) entries = entries.filter((e) => e.ts >= since);
    if (maxStanzas !== undefined) entries = maxStanzas === 0 ? [] : entries.slice(-maxStanzas);
    for (const e of entries) {
      const copy = withAttrs(e.stanza, { to: o.jid.toString() });
      copy.children.push(
        el("delay", { xmlns: NS_DELAY, from: this.jid, stamp: new Date(e.ts).toISOString() }),
      );
      this.env.send(copy);
    }
  }

  addHistory(stanza: Element, ts: number): void {
    this.history.push({ stanza, ts });
    const max = this.config.historyLength;
    if (this.history.length > max) this.history.splice(0, this.history.length - max);
  }

  /** A present occupant's new presence (§7.7) or a nick change (§7.6). */
  update(stanza: Element, o: Occupant, nick: string): void {
    if (nick === o.nick) {
      o.payload = presencePayload(stanza);
      this.broadcastPresence(o);
      return;
    }
    if (this.occupants.has(nick)) {
      const reply = errorReply(stanza, "conflict", { text: "That nickname is in use" });
      reply.append(el("x", { xmlns: NS_MUC }));
      this.env.send(reply);
      return;
    }
    // §7.6.3: unavailable with 303 and the new nick, then available from the new nick.
    this.broadcastPresence(o, [303], "unavailable", { nick });
    this.occupants.delete(o.nick);
    o.nick = nick;
    o.payload = presencePayload(stanza);
    this.occupants.set(nick, o);
    this.byReal.set(o.jid.toString(), nick);
    this.broadcastPresence(o);
  }

  /** §7.14 (exit) and every removal: the occupant goes; everyone, self included, is told. */
  remove(
    o: Occupant,
    codes: number[] = [],
    extras: Partial<{ actor: string; reason: string }> = {},
    payload: Element[] = [],
  ): void {
    if (this.occupants.get(o.nick) !== o) return;
    this.occupants.delete(o.nick);
    this.byReal.delete(o.jid.toString());
    const saved = o.payload;
    o.payload = payload;
    this.broadcastPresence(o, codes, "unavailable", extras);
    o.payload = saved;
    if (this.occupants.size === 0 && !this.config.persistent) this.host.gone(this);
  }

  /** Re-announces an occupant whose affiliation or role changed (§9, §8). */
  setRole(o: Occupant, role: Role, extras: Partial<{ actor: string; reason: string }> = {}): void {
    o.role = role;
    this.broadcastPresence(o, [], undefined, extras);
  }

  /** Messages from the room itself (status codes such as 104) to every occupant. */
  notify(children: Element[]): void {
    for (const o of this.occupants.values())
      this.env.send(
        el(
          "message",
          { from: this.jid, to: o.jid.toString(), type: "groupchat", id: randomUUID() },
          ...children,
        ),
      );
  }
}
