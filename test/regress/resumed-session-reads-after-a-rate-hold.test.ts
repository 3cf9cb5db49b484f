// XEP-0198 resumption moves a session onto the connection that sent <resume/>. When that connection
// was over its `limits` rate at that moment, reading from it was paused with a timer to resume it;
// the hand-over must keep that timer (it resumes what is now the resumed session's connection), or
// the resumed session would never be read again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { NS_SM, authenticated, resumable } from "../helpers/sm-client.ts";

let api: TestAuthApi;
let srv: TestServer;

before(async () => {
  api = await startAuthApi({ "alice@localhost": "alice-pw" });
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    // 100 bytes of burst, 1,000 a second: the <auth/> alone goes over, and the hold is short.
    limits: { c2s: { rate: "1kb/s", burst: "0.1s" } },
    hosts: { localhost: { http_auth_url: api.url } },
  });
});

after(async () => {
  await srv.stop();
  await api.close();
});

test("a session resumed on a connection that was held back still reads once the hold is over", async () => {
  const first = await resumable(srv.tlsPort, "alice", "phone");
  first.c.destroy();
  const held0 = Number(/^xha_c2s_input_held_total (\d+)$/m.exec(srv.server.metricsText())?.[1]);
  const { c } = await authenticated(srv.tlsPort, "alice");
  try {
    c.write(`<resume xmlns='${NS_SM}' previd='${first.id}' h='0'/>`);
    await c.waitFor("<resumed", 10_000);
    const held = Number(/^xha_c2s_input_held_total (\d+)$/m.exec(srv.server.metricsText())?.[1]);
    assert.ok(held > held0, "the new connection was held back on its way in");
    const mark = c.received.length;
    c.write("<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>");
    await c.waitFor(/<iq[^>]*id=["']p1["']/, 10_000, mark);
  } finally {
    c.destroy();
  }
});
