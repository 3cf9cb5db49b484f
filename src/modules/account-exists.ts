// RFC 6121 §8.5.1 hinges on whether a local account exists. Accounts live behind the auth API, so a
// live session answers "yes" without a request and `user_exists` answers the rest. Backend trouble
// is "unknown": callers must not treat it as "no" (http-auth-protocol.md, offline bare JIDs).
import type { Jid } from "../jid.ts";
import type { ServerContext } from "../server-context.ts";

export type Existence = "yes" | "no" | "unknown";

export async function accountExists(ctx: ServerContext, jid: Jid, signal?: AbortSignal): Promise<Existence> {
  const host = ctx.hosts.get(jid.domain);
  if (host === undefined || jid.local === undefined) return "no";
  if (ctx.sessions.ofAccount(jid.bare().toString()).length > 0) return "yes";
  const r = await host.provider.userExists(jid.local, signal === undefined ? {} : { signal });
  if (r.outcome === "ok") return "yes";
  if (r.outcome === "false") return "no";
  ctx.logger.warn({ host: host.name, reason: r.reason }, "user_exists failed; assuming the account exists");
  return "unknown";
}
