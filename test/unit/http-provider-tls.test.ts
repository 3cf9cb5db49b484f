// The HTTP auth provider over https: the extra CA file, certificate verification on by default,
// and the loudly logged opt-out.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { generate } from "selfsigned";
import { isXhaError } from "../../src/errors.ts";
import { createLogger, silentLogger } from "../../src/log.ts";
import type { HttpProviderOptions } from "../../src/auth/http/provider.ts";
import type { AuthProvider } from "../../src/auth/provider.ts";
import { providerMaker } from "../helpers/providers.ts";

let server: Server;
let url: string;
let dir: string;
let caFile: string;

const providers = providerMaker(() => ({ url, host: "example.com", logger: silentLogger() }));
const provider = (extra: Partial<HttpProviderOptions> = {}): AuthProvider => providers.make(extra);

before(async () => {
  const now = Date.now();
  const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate: new Date(now - 3600_000),
    notAfterDate: new Date(now + 86400_000),
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "subjectAltName", altNames: [{ type: 7 as const, ip: "127.0.0.1" }] },
    ],
  });
  dir = mkdtempSync(join(tmpdir(), "xha-http-tls-"));
  caFile = join(dir, "ca.pem");
  writeFileSync(caFile, pems.cert);
  server = createServer({ cert: pems.cert, key: pems.private }, (_req, res) => {
    res.writeHead(200, { "content-length": 4 });
    res.end("true");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/auth`;
});

after(async () => {
  await providers.closeAll();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

void describe("http provider: https", () => {
  void it("trusts the API's certificate through caFile", async () => {
    assert.deepEqual(await provider({ caFile }).checkPassword("alice", "wonderland"), { outcome: "ok" });
  });

  void it("verifies certificates by default: an unknown CA is a network error, never a yes", async () => {
    assert.deepEqual(await provider({}).checkPassword("alice", "wonderland"), {
      outcome: "backend-error",
      reason: "network",
    });
  });

  void it("tlsVerify: false works and is logged as a warning", async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString("utf8"));
        done();
      },
    });
    const p = provider({ tlsVerify: false, logger: createLogger({ destination: sink }) });
    assert.deepEqual(await p.checkPassword("alice", "wonderland"), { outcome: "ok" });
    assert.ok(
      lines.some((l) => l.includes('"level":40') && l.includes("tlsVerify is off")),
      lines.join(""),
    );
  });

  void it("an unreadable caFile is a start-up error naming the file", () => {
    assert.throws(
      () => provider({ caFile: join(dir, "missing.pem") }),
      (err: unknown) => isXhaError(err, "XHA_TLS_MATERIAL") && err.message.includes("missing.pem"),
    );
  });
});
