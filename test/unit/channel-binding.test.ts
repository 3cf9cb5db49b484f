// tls-server-end-point's hash choice (RFC 5929 §4.1) read from a certificate's signature algorithm,
// and both bindings computed the same on the two ends of a real TLS connection.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { X509Certificate, createHash } from "node:crypto";
import { test } from "node:test";
import { createServer, connect, type TLSSocket } from "node:tls";
import type { AddressInfo } from "node:net";
import { channelBindingData, endPointHash } from "../../src/tls/channel-binding.ts";

const CERT = readFileSync(new URL("../fixtures/tls/server.crt", import.meta.url), "utf8");
const KEY = readFileSync(new URL("../fixtures/tls/server.key", import.meta.url), "utf8");
const CA = readFileSync(new URL("../fixtures/tls/ca.crt", import.meta.url), "utf8");

test("the hash follows the signature: ecdsa-with-SHA256 is SHA-256; junk has none", () => {
  assert.equal(endPointHash(new X509Certificate(CERT).raw), "sha256");
  assert.equal(endPointHash(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00])), undefined);
  assert.equal(endPointHash(Buffer.alloc(0)), undefined);
  assert.equal(endPointHash(Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff])), undefined);
});

test("both ends of a TLS 1.3 connection compute the same bindings; TLS 1.2 has no tls-exporter", async (t) => {
  for (const version of ["TLSv1.3", "TLSv1.2"] as const) {
    let serverSide: TLSSocket | undefined;
    const server = createServer({ cert: CERT, key: KEY, minVersion: version, maxVersion: version }, (s) => {
      serverSide = s;
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => server.close());
    const client = connect({
      port: (server.address() as AddressInfo).port,
      host: "127.0.0.1",
      ca: CA,
      servername: "localhost",
    });
    await new Promise<void>((resolve, reject) => client.once("secureConnect", resolve).once("error", reject));
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(serverSide);
    const endPoint = channelBindingData(serverSide, "tls-server-end-point");
    const expected = new X509Certificate(CERT).raw;
    assert.deepEqual(endPoint, createHash("sha256").update(expected).digest(), version);
    const exporter = channelBindingData(serverSide, "tls-exporter");
    if (version === "TLSv1.3") {
      assert.deepEqual(
        exporter,
        client.exportKeyingMaterial(32, "EXPORTER-Channel-Binding", Buffer.alloc(0)),
      );
    } else {
      assert.equal(exporter, undefined);
    }
    client.destroy();
    serverSide.destroy();
  }
});
