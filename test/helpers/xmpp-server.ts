// Starts our XMPP server in-process on ephemeral ports, from a configuration object as it would be
// written in TOML, so tests exercise the same validation as operators.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { parseServerConfig } from "../../src/config/load.ts";
import { createLogger } from "../../src/log.ts";
import { createXmppServer, type ServerDeps, type XmppServer } from "../../src/server.ts";
import type { AnyComponentModule } from "../../src/components/registry.ts";

export interface TestServer {
  readonly server: XmppServer;
  readonly port: number;
  readonly tlsPort: number;
  /** The first HTTP / HTTPS (WebSocket) listener's port, 0 when none is configured. */
  readonly httpPort: number;
  readonly httpsPort: number;
  readonly dataPath: string;
  /** Every log line the server wrote. */
  readonly logs: string[];
  stop(): Promise<void>;
}

export async function startServer(
  doc: Record<string, unknown>,
  componentModules?: ReadonlyMap<string, AnyComponentModule>,
  deps: Pick<ServerDeps, "wrapChatStore"> = {},
): Promise<TestServer> {
  const dataPath = mkdtempSync(join(tmpdir(), "xha-test-"));
  const config = parseServerConfig(
    {
      interfaces: ["127.0.0.1"],
      c2s_ports: [0],
      c2s_direct_tls_ports: [0],
      http_ports: [],
      https_ports: [],
      data_path: dataPath,
      ...doc,
    },
    "test.toml",
    componentModules,
  );
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      cb();
    },
  });
  const logger = createLogger({ level: "debug", destination });
  const server = createXmppServer({ config, logger, ...deps });
  await server.start();
  const port = server.listeners.find((l) => l.kind === "c2s")?.address.port ?? 0;
  const tlsPort = server.listeners.find((l) => l.kind === "c2s_direct_tls")?.address.port ?? 0;
  const httpPort = server.listeners.find((l) => l.kind === "http")?.address.port ?? 0;
  const httpsPort = server.listeners.find((l) => l.kind === "https")?.address.port ?? 0;
  return {
    server,
    port,
    tlsPort,
    httpPort,
    httpsPort,
    dataPath,
    logs,
    async stop() {
      await server.stop();
      rmSync(dataPath, { recursive: true, force: true });
    },
  };
}
