// One proxy_port_mappings port (Prosody's mod_net_proxy): a PROXY header, then the mapped service
// on the same connection: "c2s" (STARTTLS), "c2s_direct_tls" (XEP-0368: the TLS handshake follows the
// header), "http" (WebSocket, /healthz, /metrics) or "https" (the same after a TLS handshake), each
// seeing the client's address.
import type { Server as HttpServer } from "node:http";
import type { Server, Socket } from "node:net";
import { TLSSocket } from "node:tls";
import type { Logger } from "../log.ts";
import type { AddressList } from "../limits/client-address.ts";
import type { ProxiedService } from "../config/validators.ts";
import type { StreamTransport } from "../stream/transport.ts";
import { TcpTransport, type TcpTransportOptions } from "./tcp.ts";
import { proxyServer, type ProxiedSocket } from "./proxy-listener.ts";

export interface ProxiedServiceDeps {
  /** proxy_trusted_proxies: the only peers that may connect. */
  readonly trusted: AddressList;
  readonly transport: Omit<TcpTransportOptions, "kind" | "remoteAddress">;
  accept(transport: StreamTransport): void;
  /** Makes the HTTP server connections are handed to (it never listens itself); `secure` for
   * connections this adapter has already wrapped in TLS. */
  http(secure: boolean): HttpServer;
  /** Called with every accepted connection, so that stop() can end it. */
  track(socket: Socket): void;
  readonly logger: Logger;
}

/** Per-host certificates by SNI, as on the direct TLS and HTTPS ports. */
function sni(deps: ProxiedServiceDeps) {
  const cb = deps.transport.sni;
  return cb === undefined ? {} : { SNICallback: cb };
}

export function proxiedService(service: ProxiedService, deps: ProxiedServiceDeps): Server {
  let http: HttpServer | undefined;
  const onConnection = (socket: ProxiedSocket): void => {
    switch (service) {
      case "c2s":
        // The proxied stream has every socket method TcpTransport uses (see ProxiedSocket).
        return deps.accept(new TcpTransport(socket as unknown as Socket, { ...deps.transport, kind: "tcp" }));
      case "c2s_direct_tls": {
        // TLS over a JS stream cannot reach the TCP handle: keepalive is set on it here.
        socket.setKeepAlive(true, deps.transport.tcpKeepAliveMs ?? 60_000);
        const secured = new TLSSocket(socket, {
          isServer: true,
          secureContext: deps.transport.secureContext,
          ...sni(deps),
          ALPNProtocols: ["xmpp-client"],
        });
        const opts = { ...deps.transport, kind: "tls" as const, remoteAddress: socket.remoteAddress };
        return deps.accept(new TcpTransport(secured, opts));
      }
      case "http":
        // Node's HTTP server takes any duplex stream as a connection (the "connection" event).
        (http ??= deps.http(false)).emit("connection", socket);
        return;
      case "https": {
        socket.setKeepAlive(true, deps.transport.tcpKeepAliveMs ?? 60_000);
        const secured = new TLSSocket(socket, {
          isServer: true,
          secureContext: deps.transport.secureContext,
          ...sni(deps),
          ALPNProtocols: ["http/1.1"],
        });
        // TLS over a JS stream has no peer of its own: the HTTP code reads the client's here.
        Object.defineProperty(secured, "remoteAddress", { value: socket.remoteAddress });
        (http ??= deps.http(true)).emit("connection", secured);
        return;
      }
    }
  };
  const server = proxyServer({
    trusted: deps.trusted,
    onConnection,
    // Debug only: anyone can connect and be refused, and the log must not be theirs to fill.
    onRefused: (peer, reason) => deps.logger.debug({ peer, reason, service }, "PROXY connection refused"),
  });
  server.on("connection", (raw: Socket) => deps.track(raw));
  return server;
}
