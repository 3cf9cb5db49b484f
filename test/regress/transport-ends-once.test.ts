// Guards: a TCP transport whose stream was closed by us and then by the peer's FIN ends the socket
// once. A second end() made Node build an ERR_STREAM_ALREADY_FINISHED error (stack trace included)
// on every login, only to drop it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, connect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { createSecureContext } from "node:tls";
import { TcpTransport } from "../../src/transport/tcp.ts";
import { NOOP_HANDLERS } from "../../src/stream/transport.ts";

test("our close then the peer's FIN: the socket is ended once and the transport closes once", async () => {
  let accepted: (s: Socket) => void = () => {};
  const got = new Promise<Socket>((r) => (accepted = r));
  const server = createServer((s) => accepted(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const client = connect((server.address() as AddressInfo).port, "127.0.0.1");
  client.on("error", () => {});
  const socket = await got;
  const transport = new TcpTransport(socket, {
    kind: "tcp",
    secureContext: createSecureContext(),
    maxStanzaBytes: 65_536,
  });
  let ends = 0;
  const end = socket.end.bind(socket);
  socket.end = ((...args: Parameters<Socket["end"]>) => {
    ends++;
    return end(...args);
  }) as Socket["end"];
  let closes = 0;
  const closed = new Promise<void>((resolve) =>
    transport.setHandlers({ ...NOOP_HANDLERS, onClose: () => (closes++, resolve()) }),
  );
  try {
    transport.closeStream();
    transport.destroy();
    // The peer reads our closing tag and FIN, then ends its side: the transport's onEnd runs.
    client.on("data", () => {});
    client.on("end", () => client.end());
    await closed;
    assert.equal(ends, 1);
    assert.equal(closes, 1);
  } finally {
    client.destroy();
    server.close();
  }
});
