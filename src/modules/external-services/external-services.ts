// XEP-0215 (External Service Discovery) for a STUN/TURN server, as Prosody's mod_turn_external: with
// turn_external_secret set on a host, its clients learn of the server and get credentials for it, so
// audio and video calls (Jingle) get through NAT. §3.1 all services, §3.2 those of one type, §3.3
// credentials for named services; urn:xmpp:extdisco:1 answered the same way for older clients.
import { el, type Element } from "../../xml/element.ts";
import { NS_EXTDISCO, NS_EXTDISCO_1 } from "../../ns.ts";
import type { HostOptions } from "../../config/schema.ts";
import type { ServerContext } from "../../server-context.ts";
import type { IqContext } from "../../router/iq-registry.ts";
import { errorReply, iqResult } from "../../stanza/errors.ts";
import { turnCredentials } from "./credentials.ts";

interface Service {
  readonly type: "stun" | "turn" | "turns";
  readonly transport: "udp" | "tcp";
  readonly host: string;
  readonly port: number;
}

/** What a host offers: STUN and TURN over UDP, over TCP with turn_external_tcp, TURNS with a TLS port. */
export function servicesOf(hostName: string, o: HostOptions): Service[] {
  if (o.turn_external_secret === undefined) return [];
  const host = o.turn_external_host ?? hostName;
  const port = o.turn_external_port;
  const out: Service[] = [
    { type: "stun", transport: "udp", host, port },
    { type: "turn", transport: "udp", host, port },
  ];
  if (o.turn_external_tcp)
    out.push({ type: "stun", transport: "tcp", host, port }, { type: "turn", transport: "tcp", host, port });
  if (o.turn_external_tls_port !== undefined)
    out.push({ type: "turns", transport: "tcp", host, port: o.turn_external_tls_port });
  return out;
}

/** §2: a <service/>; TURN and TURNS carry fresh credentials (restricted: they need them). */
function serviceElement(s: Service, o: HostOptions, now: number): Element {
  const attrs: Record<string, string> = {
    type: s.type,
    transport: s.transport,
    host: s.host,
    port: String(s.port),
  };
  if (s.type !== "stun" && o.turn_external_secret !== undefined) {
    const c = turnCredentials(o.turn_external_secret, o.turn_external_ttl, o.turn_external_user, now);
    Object.assign(attrs, {
      username: c.username,
      password: c.password,
      expires: new Date(c.expires * 1000).toISOString(), // XEP-0082, as the other stamps
      restricted: "1",
    });
  }
  return el("service", attrs);
}

export function registerExternalServices(ctx: ServerContext): void {
  const optionsOf = (host: string): HostOptions | undefined => ctx.hosts.get(host)?.options;
  const offered = (host: string) => optionsOf(host)?.turn_external_secret !== undefined;
  ctx.disco.addHostFeature(NS_EXTDISCO, offered);
  ctx.disco.addHostFeature(NS_EXTDISCO_1, offered);

  /** `pick` chooses the services to list, or says what is wrong with the request (bad-request). */
  const answer =
    (pick: (services: Service[], payload: Element) => Service[] | string) =>
    ({ session, iq, payload }: IqContext): Element => {
      // Asked of the server only; an account answers for itself from its clients.
      if (iq.attrs.to?.includes("@") === true) return errorReply(iq, "service-unavailable");
      const hostName = session.host?.name ?? "";
      const o = optionsOf(hostName);
      if (o?.turn_external_secret === undefined) return errorReply(iq, "service-unavailable");
      const chosen = pick(servicesOf(hostName, o), payload);
      if (typeof chosen === "string") return errorReply(iq, "bad-request", { text: chosen });
      const now = Date.now();
      const list = el(
        payload.name,
        { xmlns: payload.xmlns },
        ...chosen.map((s) => serviceElement(s, o, now)),
      );
      return iqResult(iq, list);
    };

  for (const ns of [NS_EXTDISCO, NS_EXTDISCO_1]) {
    // §3.1, §3.2: every service, or those of the type asked for.
    ctx.iq.on(
      "get",
      ns,
      "services",
      answer((services, payload) => {
        const type = payload.attrs.type;
        return type === undefined ? services : services.filter((s) => s.type === type);
      }),
    );
    // §3.3: credentials for the services named by type and host (and port, when given).
    ctx.iq.on(
      "get",
      ns,
      "credentials",
      answer((services, payload) => {
        const wanted: Service[] = [];
        for (const a of payload.getChildren("service")) {
          const { type, host, port } = a.attrs;
          if (type === undefined || host === undefined) return "Each <service/> needs type and host";
          wanted.push(
            ...services.filter(
              (s) =>
                s.type !== "stun" &&
                s.type === type &&
                s.host === host &&
                (port === undefined || Number(port) === s.port) &&
                !wanted.includes(s),
            ),
          );
        }
        return wanted;
      }),
    );
  }
}
