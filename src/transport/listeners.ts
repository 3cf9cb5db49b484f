// Opens the configured listening sockets: plain TCP with STARTTLS and direct TLS (XEP-0368, ALPN
// "xmpp-client"), on every configured interface. "*" means every IPv4 and IPv6 address.
import {
  createServer as createNetServer,
  isIPv4,
  type Server,
  type Socket,
  type AddressInfo,
} from "node:net";
import { createServer as createTlsServer, type SecureContext } from "node:tls";
import { XhaError } from "../errors.ts";

export interface Listener {
  readonly kind: string;
  readonly server: Server;
  readonly address: AddressInfo;
}

/**
 * How to bind one configured interface. On Linux (net.ipv6.bindv6only=0) a socket on "::" also takes
 * the IPv4 port, so `["0.0.0.0", "::"]` would collide with EADDRINUSE: "::" is bound IPv6-only
 * whenever an IPv4 address is listed beside it.
 */
export function hostFor(
  iface: string,
  interfaces: readonly string[] = [iface],
): { host: string; ipv6Only?: boolean } {
  if (iface === "*") return { host: "::", ipv6Only: false };
  if (iface === "::" && interfaces.some((i) => isIPv4(i))) return { host: "::", ipv6Only: true };
  return { host: iface };
}

const HINTS: Record<string, string> = {
  EADDRINUSE: " (is another instance running? choose another port in the config, or --port with start)",
  EACCES: " (ports below 1024 need privileges: use a higher port, or grant CAP_NET_BIND_SERVICE)",
  EADDRNOTAVAIL: " (this machine has no such address: check interfaces)",
};

/** The operator's hint for a listen error code, "" when there is none. */
export function listenHint(code: string | undefined): string {
  return code === undefined ? "" : (HINTS[code] ?? "");
}

export async function listen(
  kind: string,
  server: Server,
  iface: string,
  port: number,
  interfaces?: readonly string[],
): Promise<Listener> {
  const { host, ipv6Only } = hostFor(iface, interfaces);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        new XhaError(
          "XHA_LISTEN",
          `cannot listen for ${kind} on ${iface} port ${port}: ${err.code ?? err.message}${listenHint(err.code)}`,
        ),
      );
    };
    server.once("error", onError);
    server.listen({ host, port, ipv6Only, backlog: 1024 }, () => {
      server.off("error", onError);
      resolve();
    });
  });
  return { kind, server, address: server.address() as AddressInfo };
}

export function tcpServer(onSocket: (socket: Socket) => void): Server {
  return createNetServer({ noDelay: true }, onSocket);
}

/** Picks the certificate for a client's SNI name (RFC 6066 §3); the PEMs passed are the default. */
export type SniCallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void;

/** Node's TLS server needs the PEMs themselves: a bare secureContext option makes every handshake fail. */
export function directTlsServer(
  pem: { readonly cert: string; readonly key: string },
  onSocket: (socket: Socket) => void,
  onTlsError: (err: Error) => void,
  sni?: SniCallback,
): Server {
  const server = createTlsServer(
    {
      cert: pem.cert,
      key: pem.key,
      ALPNProtocols: ["xmpp-client"],
      minVersion: "TLSv1.2",
      ...(sni === undefined ? {} : { SNICallback: sni }),
    },
    onSocket,
  );
  server.on("tlsClientError", onTlsError);
  return server;
}
