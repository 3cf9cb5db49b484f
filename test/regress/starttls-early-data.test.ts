// Guards: the client's first encrypted bytes after STARTTLS (its new stream header, sent the moment
// its handshake ends) must not be dropped when they reach the server before Node's "secure" event,
// which happens whenever TLS runs over a JS stream, as on a PROXY-protocol port. They were dropped,
// and the client waited for stream features that never came.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";

test("the stream header sent right after the TLS handshake is answered (PROXY c2s port)", async () => {
  const srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    proxy_port_mappings: { "0": "c2s" },
    hosts: { localhost: { http_auth_url: "http://127.0.0.1:9/auth" } },
  });
  try {
    const port = srv.server.listeners.find((l) => l.kind === "proxy_c2s")?.address.port ?? 0;
    for (let i = 0; i < 5; i++) {
      const c = await RawClient.connect(port, {
        preamble: Buffer.from("PROXY TCP4 192.0.2.1 127.0.0.1 40000 5222\r\n"),
      });
      c.open();
      await c.waitFor("</stream:features>");
      await c.starttls(); // sends the new header at once and waits for the features
      assert.match(c.received, /<mechanisms[^>]*><mechanism>PLAIN<\/mechanism>/);
      c.destroy();
    }
  } finally {
    await srv.stop();
  }
});
