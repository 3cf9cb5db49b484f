// Regression: Node's TLS server given only a `secureContext` option fails every handshake (alert 40),
// so direct TLS (XEP-0368) and HTTPS must hand the PEMs themselves to the server. Found while
// bringing up direct TLS; this pins the listener helper to the working form.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect } from "node:tls";
import type { AddressInfo } from "node:net";
import { directTlsServer } from "../../src/transport/listeners.ts";
import { TEST_CA, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";

test("the direct TLS listener completes a handshake with ALPN xmpp-client", async () => {
  const pem = { cert: readFileSync(TEST_CERT, "utf8"), key: readFileSync(TEST_KEY, "utf8") };
  const server = directTlsServer(
    pem,
    (socket) => socket.end("ok"),
    () => {},
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const protocol = await new Promise<string | false | null>((resolve, reject) => {
      const c = connect(
        { port, host: "127.0.0.1", ca: TEST_CA, servername: "localhost", ALPNProtocols: ["xmpp-client"] },
        () => {
          resolve(c.alpnProtocol);
          c.destroy();
        },
      );
      c.once("error", reject);
    });
    assert.equal(protocol, "xmpp-client");
  } finally {
    server.close();
  }
});
