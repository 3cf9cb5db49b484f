// The transports' pause()/resume() are counted: the SASL check and the session's backlog may both
// pause a connection, and it must read again only when both have resumed it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, connect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { createSecureContext } from "node:tls";
import { TcpTransport } from "../../src/transport/tcp.ts";
import type { TransportHandlers } from "../../src/stream/transport.ts";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test("a TCP transport reads again only when every pause() has had its resume()", async () => {
  let accepted: (s: Socket) => void = () => {};
  const got = new Promise<Socket>((r) => (accepted = r));
  const server = createServer((s) => accepted(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const client = connect((server.address() as AddressInfo).port, "127.0.0.1");
  client.on("error", () => {});
  const transport = new TcpTransport(await got, {
    kind: "tcp",
    secureContext: createSecureContext(),
    maxStanzaBytes: 65_536,
  });
  let starts = 0;
  const handlers: TransportHandlers = {
    onStreamStart: () => starts++,
    onElement: () => {},
    onStreamEnd: () => {},
    onParseError: () => {},
    onClose: () => {},
  };
  transport.setHandlers(handlers);
  try {
    transport.pause();
    transport.pause();
    client.write(
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='x' version='1.0'>",
    );
    await sleep(100);
    transport.resume();
    await sleep(100);
    assert.equal(starts, 0, "still paused after one of two resumes");
    transport.resume();
    for (let i = 0; i < 50 && starts === 0; i++) await sleep(20);
    assert.equal(starts, 1);
    transport.resume(); // an extra resume is harmless
  } finally {
    client.destroy();
    transport.destroy();
    server.close();
  }
});
