// Regression: the server gave each host's provider a logger child carrying `host`, and the provider
// names the host in its lines too, so every provider line had the `"host"` key twice (JSON that
// strict readers refuse or read as the last value only).
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";

test("each provider log line names its host once", async () => {
  const srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: { localhost: { authentication: "http", http_auth_url: "http://127.0.0.1:1/auth" } },
  });
  try {
    const c = await RawClient.connect(srv.tlsPort, { tls: true });
    c.open();
    await c.waitFor("</stream:features>");
    c.write(
      `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${Buffer.from("\0alice\0pw").toString("base64")}</auth>`,
    );
    await c.waitFor("<temporary-auth-failure/>");
    c.destroy();
    const lines = srv.logs.filter((l) => l.includes("HTTP auth API call"));
    assert.ok(lines.length > 0, "the failed call was logged");
    for (const line of lines) {
      assert.equal(line.match(/"host":/g)?.length, 1, line);
      assert.equal((JSON.parse(line) as { host: string }).host, "localhost");
    }
  } finally {
    await srv.stop();
  }
});
