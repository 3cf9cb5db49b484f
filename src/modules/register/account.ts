// XEP-0077 §3.2 (cancelling a registration) and §3.3 (changing the password), for a logged-in account.
// Both go to the HTTP API (remove_user, set_password); an account can only act on itself. Either ends
// the account's other sessions, on this node or another (the handles of ctx.sessions), as Prosody's
// mod_c2s does: removal with not-authorized, a password change with reset (RFC 6120 §4.9.3.16).
import type { Element } from "../../xml/element.ts";
import { NS_REGISTER } from "../../ns.ts";
import type { ServerContext } from "../../server-context.ts";
import type { Session } from "../../stream/session.ts";
import type { IqContext } from "../../router/iq-registry.ts";
import { errorReply, iqResult } from "../../stanza/errors.ts";
import { registeredReply } from "./form.ts";
import { preparePassword, prepareUsername, readFields } from "./submission.ts";
import { writeFailureReply } from "./outcomes.ts";

const ACCOUNT_DELETED = "Account deleted";
const PASSWORD_CHANGED = "Password changed";

/** The account's localpart; bound sessions always have one. */
function localpart(session: Session): string {
  const local = session.jid?.local;
  if (local === undefined) throw new Error("a bound session without a localpart");
  return local;
}

async function changePassword(
  ctx: ServerContext,
  session: Session,
  iq: Element,
  payload: Element,
): Promise<Element> {
  const host = session.host;
  if (host === undefined) throw new Error("a bound session without a host");
  const fields = readFields(payload);
  // XEP-0077 §3.3: both the username and the new password are required.
  if (fields?.username === undefined || fields.password === undefined)
    return errorReply(iq, "bad-request", { text: "Send <username/> and the new <password/>" });
  const user = prepareUsername(fields.username);
  // Compared after preparation, so "Alice" may change alice's password but nobody else's.
  if (!user.ok || user.value !== localpart(session))
    return errorReply(iq, "not-authorized", { text: "You can only change your own password" });
  const password = preparePassword(fields.password);
  if (!password.ok) return errorReply(iq, "not-acceptable", { text: password.text });
  if (!host.provider.capabilities.setPassword) return errorReply(iq, "feature-not-implemented");

  const result = await host.provider.setPassword(user.value, password.value, {
    signal: session.abort.signal,
  });
  if (result.outcome !== "ok") return writeFailureReply(session, "set_password", iq, result);
  session.logger.info("password changed");
  const bare = session.jid?.bare().toString() ?? "";
  // Whoever held the old password must log in again with the new one; the session that changed
  // it stays (it has just proved it knows the new one's predecessor and chose the new one).
  for (const other of ctx.sessions.ofAccount(bare)) {
    if (other.local !== session) other.close("reset", PASSWORD_CHANGED);
  }
  ctx.hooks.passwordChanged.run((err) => session.logger.error({ err }, "password-changed hook failed"), bare);
  return iqResult(iq);
}

async function removeAccount(
  ctx: ServerContext,
  session: Session,
  iq: Element,
): Promise<Element | undefined> {
  const host = session.host;
  if (host === undefined) throw new Error("a bound session without a host");
  if (!host.provider.capabilities.removeUser) return errorReply(iq, "feature-not-implemented");
  const result = await host.provider.removeUser(localpart(session), { signal: session.abort.signal });
  if (result.outcome !== "ok") return writeFailureReply(session, "remove_user", iq, result);
  session.logger.info("account removed");
  // XEP-0077 §3.2: the result first, then the stream closes; the same transport writes both in order,
  // so the client reads the result before the stream error.
  session.send(iqResult(iq));
  const bare = session.jid?.bare().toString() ?? "";
  session.close("not-authorized", ACCOUNT_DELETED);
  // Every other session of the account, on this node or another.
  for (const other of ctx.sessions.ofAccount(bare)) {
    if (other.local !== session) other.close("not-authorized", ACCOUNT_DELETED);
  }
  ctx.hooks.accountRemoved.run((err) => session.logger.error({ err }, "account-removed hook failed"), bare);
  return undefined;
}

export function registerAccountManagement(ctx: ServerContext): void {
  // XEP-0077 §7: the server advertises in-band account management once logged in.
  ctx.disco.addServerFeature(NS_REGISTER);
  // XEP-0077 §3.1 Example 3: asked again after login, the form says the account exists.
  ctx.iq.on("get", NS_REGISTER, "query", ({ session, iq }) =>
    iqResult(iq, registeredReply(localpart(session))),
  );
  ctx.iq.on("set", NS_REGISTER, "query", ({ session, iq, payload }: IqContext) =>
    payload.getChild("remove") !== undefined
      ? removeAccount(ctx, session, iq)
      : changePassword(ctx, session, iq, payload),
  );
}
