// A reload that changes a host's API: a new provider for the host, while a call already in flight
// finishes on the old one (its answer is used, not aborted); per-host limits follow the new options.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseServerConfig } from "../../src/config/load.ts";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { register } from "../helpers/register-client.ts";

let slow: Server;
let slowUrl: string;
let slowRequests = 0;
let api: TestAuthApi;
let srv: TestServer;

const doc = (host: Record<string, unknown>) => ({
  interfaces: ["127.0.0.1"],
  c2s_ports: [0],
  c2s_direct_tls_ports: [0],
  http_ports: [],
  https_ports: [],
  data_path: srv.dataPath,
  certificate: TEST_CERT,
  key: TEST_KEY,
  hosts: { localhost: host },
});

before(async () => {
  // The old API: answers `true`, but only after 600 ms.
  slow = createServer((_req, res) => {
    slowRequests += 1;
    setTimeout(() => res.writeHead(200, { "content-type": "text/plain" }).end("true"), 600);
  });
  await new Promise<void>((r) => slow.listen(0, "127.0.0.1", r));
  slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/auth`;
  api = await startAuthApi({ "alice@localhost": "alice-pw" });
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: { localhost: { http_auth_url: slowUrl, allow_registration: true, registration_throttle_max: 1 } },
  });
});

after(async () => {
  await srv.stop();
  await api.close();
  slow.closeAllConnections();
  await new Promise((r) => slow.close(r));
});

test("calls in flight finish on the old provider; later calls go to the new API", async () => {
  const host = srv.server.ctx.hosts.get("localhost")!;
  const inFlight = host.provider.checkPassword("alice", "anything");
  while (slowRequests === 0) await new Promise((r) => setTimeout(r, 10));
  const report = await srv.server.reload(
    parseServerConfig(
      doc({ http_auth_url: api.url, allow_registration: true, registration_throttle_max: 1 }),
      "t.toml",
    ),
  );
  assert.deepEqual(report.changed, ["localhost"]);
  // The same host object, now with the new provider: a wrong password is refused by the new API.
  assert.equal(srv.server.ctx.hosts.get("localhost"), host);
  assert.deepEqual(await host.provider.checkPassword("alice", "wrong"), { outcome: "false" });
  assert.equal(api.requests.length, 1);
  // The old API's slow `true` still arrives, to the call that asked it.
  assert.deepEqual(await inFlight, { outcome: "ok" });
  assert.equal(slowRequests, 1);
});

test("a reload's new registration limit applies at once (the throttle is rebuilt)", async () => {
  const where = { tlsPort: srv.tlsPort };
  assert.equal(await register(where, "ivy", "1vy-pw"), "result");
  assert.equal(await register(where, "jay", "j4y-pw"), "resource-constraint/wait");
  const report = await srv.server.reload(
    parseServerConfig(
      doc({ http_auth_url: api.url, allow_registration: true, registration_throttle_max: 5 }),
      "t.toml",
    ),
  );
  assert.deepEqual(report.changed, ["localhost"]);
  assert.equal(await register(where, "jay", "j4y-pw"), "result");
});
