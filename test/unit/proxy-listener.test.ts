// The PROXY pre-read adapter over real sockets: what follows the header arrives intact and in order,
// slow or absent headers are dropped in time, and the proxied stream carries the client's address.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, type AddressInfo, type Server } from "node:net";
import { proxyServer, type ProxiedSocket } from "../../src/transport/proxy-listener.ts";
import { AddressList } from "../../src/limits/client-address.ts";

async function start(
  onConnection: (s: ProxiedSocket) => void,
  refused: string[],
  headerTimeoutMs?: number,
): Promise<{ server: Server; port: number }> {
  const server = proxyServer({
    trusted: new AddressList(["127.0.0.1"]),
    onConnection,
    onRefused: (_peer, reason) => refused.push(reason),
    headerTimeoutMs,
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, port: (server.address() as AddressInfo).port };
}

test("bytes after the header, in its segment and later, reach the service intact; replies go back", async () => {
  const payload = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 255;
  let seen: { address: string; port: number | undefined } | undefined;
  const { server, port } = await start((s) => {
    seen = { address: s.remoteAddress, port: s.remotePort };
    const chunks: Buffer[] = [];
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("end", () => s.end(String(Buffer.concat(chunks).equals(payload))));
  }, []);
  const c = connect({ port, host: "127.0.0.1" });
  let answer = "";
  c.on("data", (d: Buffer) => (answer += d.toString()));
  c.write(
    Buffer.concat([Buffer.from("PROXY TCP4 192.0.2.9 127.0.0.1 4242 5222\r\n"), payload.subarray(0, 10)]),
  );
  c.end(payload.subarray(10));
  await new Promise((r) => c.on("close", r));
  assert.equal(answer, "true");
  assert.deepEqual(seen, { address: "192.0.2.9", port: 4242 });
  server.close();
});

test("a header that does not come in time, or comes byte by byte too slowly, is dropped", async () => {
  const refused: string[] = [];
  const { server, port } = await start(() => assert.fail("admitted"), refused, 300);
  const t0 = performance.now();
  for (const trickle of [false, true]) {
    const c = connect({ port, host: "127.0.0.1" });
    c.on("error", () => {});
    const line = "PROXY TCP4 192.0.2.9 127.0.0.1 4242 5222\r\n";
    let sent = 0;
    const timer = trickle ? setInterval(() => c.write(line.charAt(sent++ % line.length)), 50) : undefined;
    await new Promise((r) => c.on("close", r));
    clearInterval(timer);
  }
  assert.ok(performance.now() - t0 < 5000);
  assert.ok(refused.length === 2 && refused.every((r) => /in time/.test(r)), refused.join());
  server.close();
});
