// doctor: whether every configured listener could bind now, opened together as the server opens
// them (so "0.0.0.0" and "::" on one port are tested as they will run), then closed at once.
import { createServer, type Server } from "node:net";
import { hostFor, listenHint } from "../transport/listeners.ts";
import { finding, type Finding } from "./finding.ts";

export interface PortsInput {
  readonly interfaces: readonly string[];
  readonly ports: ReadonlyArray<readonly [kind: string, port: number]>;
}

function tryListen(
  server: Server,
  iface: string,
  interfaces: readonly string[],
  port: number,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    server.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen({ ...hostFor(iface, interfaces), port }, () => resolve(undefined));
  });
}

export async function checkPorts(input: PortsInput): Promise<Finding[]> {
  const out: Finding[] = [];
  const opened: Server[] = [];
  try {
    for (const iface of input.interfaces) {
      for (const [kind, port] of input.ports) {
        const server = createServer();
        const code = await tryListen(server, iface, input.interfaces, port);
        const where = `${kind} ${iface.includes(":") ? `[${iface}]` : iface}:${port}`;
        if (code === undefined) {
          opened.push(server);
          out.push(finding("ok", "port", `${where} can be bound`));
        } else if (code === "EADDRINUSE") {
          out.push(
            finding("warn", "port", `${where} is in use: the server already running, or another program`),
          );
        } else {
          out.push(finding("fail", "port", `${where} cannot be bound: ${code}${listenHint(code)}`));
        }
      }
    }
  } finally {
    await Promise.all(opened.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
  return out;
}
