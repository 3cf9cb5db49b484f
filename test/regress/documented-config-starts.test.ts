// The production example of the README and docs/configuration.md starts as written: its
// `interfaces = ["0.0.0.0", "::"]` once failed with EADDRINUSE on Linux, where "::" also takes the
// IPv4 port unless bound IPv6-only. Only what a test must change is changed: ports (ephemeral, one
// port shared by both interfaces as in production), the certificate files and data_path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";
import { parseServerConfig } from "../../src/config/load.ts";
import { silentLogger } from "../../src/log.ts";
import { createXmppServer } from "../../src/server.ts";
import { hostFor } from "../../src/transport/listeners.ts";

const root = new URL("../../", import.meta.url);
const fixture = (name: string) => fileURLToPath(new URL(`test/fixtures/tls/${name}`, root));

/** Every ```toml block of a document that sets the server's (top-level) `interfaces`. */
function documentedConfigs(doc: string): Record<string, unknown>[] {
  const text = readFileSync(new URL(doc, root), "utf8");
  return [...text.matchAll(/```toml\n([\s\S]*?)```/g)]
    .map((m) => m[1] ?? "")
    .map((block) => parseToml(block))
    .filter((doc) => "interfaces" in doc);
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

test("hostFor binds :: IPv6-only when an IPv4 address is listed too, and dual-stack otherwise", () => {
  assert.deepEqual(hostFor("::", ["0.0.0.0", "::"]), { host: "::", ipv6Only: true });
  assert.deepEqual(hostFor("::", ["::"]), { host: "::" });
  assert.deepEqual(hostFor("*", ["*"]), { host: "::", ipv6Only: false });
  assert.deepEqual(hostFor("0.0.0.0", ["0.0.0.0", "::"]), { host: "0.0.0.0" });
});

for (const doc of ["README.md", "docs/configuration.md"]) {
  void test(`the production example of ${doc} starts on IPv4 and IPv6 at once`, async (t) => {
    const configs = documentedConfigs(doc);
    assert.ok(configs.length > 0, `${doc} has no example with interfaces`);
    for (const raw of configs) {
      assert.deepEqual(raw.interfaces, ["0.0.0.0", "::"], "the example as documented");
      const dataPath = mkdtempSync(join(tmpdir(), "xha-doc-config-"));
      t.after(() => rmSync(dataPath, { recursive: true, force: true }));
      const config = parseServerConfig(
        {
          ...raw,
          c2s_ports: [0],
          c2s_direct_tls_ports: [0],
          http_ports: [0],
          https_ports: [0],
          certificate: fixture("server.crt"),
          key: fixture("server.key"),
          data_path: dataPath,
        },
        doc,
      );
      const server = createXmppServer({ config, logger: silentLogger() });
      await server.start();
      try {
        for (const kind of ["c2s", "c2s_direct_tls", "http", "https"]) {
          const bound = server.listeners.filter((l) => l.kind === kind);
          assert.deepEqual(
            bound.map((l) => l.address.address),
            ["0.0.0.0", "::"],
            `${kind} on both interfaces`,
          );
          assert.equal(bound[0]?.address.port, bound[1]?.address.port, `${kind}: one port for both`);
        }
        const port = server.listeners[0]?.address.port ?? 0;
        assert.ok(await reachable("127.0.0.1", port), "IPv4 clients connect");
        assert.ok(await reachable("::1", port), "IPv6 clients connect");
      } finally {
        await server.stop();
      }
    }
  });
}
