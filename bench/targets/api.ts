// Starts bench/api/fast-api.ts as a separate process and reads its connection counters.
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { startChild, type Child } from "../lib/children.ts";

export interface ApiOptions {
  readonly delayMs?: number;
  /** Requests whose `server` parameter is this host are never answered. */
  readonly hangServer?: string;
}

export interface ApiStats {
  /** TCP connections that carried at least one auth request. */
  readonly connections: number;
  readonly requests: number;
}

export interface Api {
  readonly port: number;
  readonly pid: number;
  /** The `http_auth_url` to configure. */
  readonly url: string;
  stats(): Promise<ApiStats>;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL("../api/fast-api.ts", import.meta.url));

export async function startApi(name: string, options: ApiOptions = {}): Promise<Api> {
  const args = ["--import", "tsx", SCRIPT, "--delay-ms", String(options.delayMs ?? 0)];
  if (options.hangServer !== undefined) args.push("--hang-server", options.hangServer);
  const child: Child = startChild(name, process.execPath, args);
  const m = await child.waitFor(/\{"listening":(\d+)\}/, 20_000);
  const port = Number(m[1]);
  return {
    port,
    pid: child.pid,
    url: `http://127.0.0.1:${port}/auth`,
    async stats() {
      const res = await request(`http://127.0.0.1:${port}/__stats`);
      return (await res.body.json()) as ApiStats;
    },
    stop: () => child.stop(),
  };
}
