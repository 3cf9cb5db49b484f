// Operators scrape /metrics (Prometheus text) from this machine: HTTP auth calls by method and
// outcome, connections and sessions; never a user name, a password or a URL.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";

let api: TestAuthApi;
let srv: TestServer;

before(async () => {
  api = await startAuthApi({ "alice@localhost": "wonderland" });
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    http_ports: [0],
    hosts: { localhost: { http_auth_url: api.url, http_auth_credentials: "xmpp:s3cret" } },
  });
});

after(async () => {
  await srv.stop();
  await api.close();
});

test("/metrics counts auth calls by outcome and shows the sessions open, with nothing secret", async () => {
  const c = await RawClient.connect(srv.tlsPort, { tls: true });
  c.open();
  await c.waitFor("</stream:features>");
  await c.login("alice", "wonderland");
  const wrong = await RawClient.connect(srv.tlsPort, { tls: true });
  wrong.open();
  await wrong.waitFor("</stream:features>");
  await assert.rejects(wrong.login("alice", "nope"), /not-authorized/);
  wrong.destroy();

  const res = await fetch(`http://127.0.0.1:${srv.httpPort}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  assert.match(text, /xha_http_auth_requests_total\{method="check_password",outcome="ok"\} 1\n/);
  assert.match(text, /xha_http_auth_requests_total\{method="check_password",outcome="false"\} 1\n/);
  assert.match(text, /xha_c2s_sessions 1\n/);
  assert.match(text, /# TYPE xha_http_auth_request_duration_seconds histogram/);
  for (const secret of ["alice", "wonderland", "nope", "s3cret", "127.0.0.1"])
    assert.ok(!text.includes(secret), secret);
  c.destroy();
});
