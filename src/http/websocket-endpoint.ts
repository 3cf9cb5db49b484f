// RFC 7395 §3.1: the WebSocket handshake at /xmpp-websocket, which must negotiate the "xmpp"
// subprotocol; each accepted connection becomes a WebSocketTransport for an ordinary c2s session.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { FramedWebSocket } from "../transport/framed-websocket.ts";
import { WebSocketTransport } from "../transport/websocket.ts";

export const WEBSOCKET_PATH = "/xmpp-websocket";
export const SUBPROTOCOL = "xmpp";

/** Room above the stanza limit so a slightly large message reaches the parser, which names it. */
const PAYLOAD_SLACK = 1024;

export interface WebSocketEndpointOptions {
  readonly maxStanzaBytes: number;
  readonly maxStanzaDepth?: number;
  onTransport(transport: WebSocketTransport): void;
}

export interface WebSocketEndpoint {
  /** Takes over an HTTP upgrade request for WEBSOCKET_PATH; `remote` is the client's address. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, secure: boolean, remote: string): void;
  close(): void;
}

/** Subprotocol names are case-sensitive tokens in a comma-separated list (RFC 6455 §4.1, §11.3.4). */
export function offersXmpp(header: string | undefined): boolean {
  return (header ?? "").split(",").some((p) => p.trim() === SUBPROTOCOL);
}

/** Answers an upgrade request with a plain HTTP error: no WebSocket is established. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string, text: string): void {
  const body = `${text}\n`;
  socket.once("finish", () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      "Connection: close\r\n" +
      "Content-Type: text/plain; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      "\r\n" +
      body,
  );
}

export function createWebSocketEndpoint(opts: WebSocketEndpointOptions): WebSocketEndpoint {
  const wss = new WebSocketServer<typeof FramedWebSocket>({
    noServer: true,
    WebSocket: FramedWebSocket,
    clientTracking: false,
    perMessageDeflate: false,
    // A frame over this is refused when its header arrives, never buffered (a 10 MB message).
    maxPayload: opts.maxStanzaBytes + PAYLOAD_SLACK,
    // Invalid UTF-8 gets a stream error from the transport instead of a bare 1007 close.
    skipUTF8Validation: true,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  return {
    upgrade(req, socket, head, secure, remote) {
      if (!offersXmpp(req.headers["sec-websocket-protocol"])) {
        // RFC 7395 §3.1: a connection without the subprotocol would not be XMPP; say so plainly.
        return refuseUpgrade(
          socket,
          400,
          "Bad Request",
          `This endpoint requires the WebSocket subprotocol "${SUBPROTOCOL}" (RFC 7395).`,
        );
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        opts.onTransport(
          new WebSocketTransport(ws, {
            secure,
            remoteAddress: remote,
            maxStanzaBytes: opts.maxStanzaBytes,
            ...(opts.maxStanzaDepth === undefined ? {} : { maxStanzaDepth: opts.maxStanzaDepth }),
          }),
        );
      });
    },
    close() {
      wss.close();
    },
  };
}
