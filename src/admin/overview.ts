// What the admin page shows, as JSON: sessions online and auth API health per host, and, when authd
// is in the same process, its lockouts. Names and numbers only: no passwords, tokens or API URLs
// (an http_auth_url may carry credentials).
import type { XmppServer } from "../server.ts";
import { VERSION } from "../version.ts";
import type { HostHealth } from "./api-health.ts";
import type { AccountRow, AdminAccounts } from "./accounts.ts";

export interface HostFigures {
  readonly name: string;
  readonly sessions: number;
  readonly health: HostHealth;
}

/** One worker's figures under `serve --workers` (see overview-merge.ts); none when it did not answer. */
export interface WorkerFigures {
  readonly node: string;
  readonly answered: boolean;
  readonly hosts: readonly HostFigures[];
}

export interface Overview {
  readonly version: string;
  readonly startedAt: number;
  readonly now: number;
  /** Under `serve --workers`, the sums over the workers that answered; else this process's. */
  readonly hosts: readonly HostFigures[];
  /** Under `serve --workers` only: each worker's own figures. */
  readonly workers?: readonly WorkerFigures[];
  readonly accounts:
    | { readonly available: false }
    | {
        readonly available: true;
        readonly domains: readonly string[];
        readonly lockoutsVisible: boolean;
        readonly locked: readonly AccountRow[];
        readonly lockoutsStarted: number;
      };
}

/** This process's sessions and auth API health, per host. */
export function hostFigures(server: XmppServer): HostFigures[] {
  const sessions = new Map<string, number>();
  for (const h of server.ctx.sessions.localSessions()) {
    const host = h.local?.host?.name;
    if (host !== undefined) sessions.set(host, (sessions.get(host) ?? 0) + 1);
  }
  return [...server.ctx.hosts.keys()].map((name) => ({
    name,
    sessions: sessions.get(name) ?? 0,
    health: server.apiHealth.snapshot(name),
  }));
}

export async function overview(
  server: XmppServer,
  accounts: AdminAccounts | undefined,
  startedAt: number,
): Promise<Overview> {
  return {
    version: VERSION,
    startedAt,
    now: Date.now(),
    hosts: hostFigures(server),
    accounts:
      accounts === undefined
        ? { available: false }
        : {
            available: true,
            domains: accounts.domains,
            lockoutsVisible: accounts.lockoutsVisible,
            locked: await accounts.locked(),
            lockoutsStarted: accounts.lockoutsStarted,
          },
  };
}
