// Opens the configured listening sockets: plain TCP with STARTTLS and direct TLS (XEP-0368, ALPN
// "xmpp-client"), on every configured interface. "*" means every IPv4 and IPv6 address.
import { createServer as createNetServer, type Server, type Socket, type AddressInfo } from "node:net";
import { createServer as createTlsServer, type SecureContext } from "node:tls";
import { XhaError } from "../errors.ts";

export interface Listener {
  readonly kind: string;
  readonly server: Server;
  readonly address: AddressInfo;
}

function hostFor(iface: string): { host: string; ipv6Only?: boolean } {
  return iface === "*" ? { host: "::", ipv6Only: false } : { host: iface };
}

export async function listen(kind: string, server: Server, iface: string, port: number): Promise<Listener> {
  const { host, ipv6Only } = hostFor(iface);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        new XhaError(
          "XHA_LISTEN",
          `cannot listen for ${kind} on ${iface} port ${port}: ${err.code ?? err.message}`,
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
