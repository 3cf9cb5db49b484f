// XEP-0050 §3.3–§4.6: executing a command. A request without a session id starts the command; one
// with an id continues (complete/execute) or cancels it. Errors carry the XEP's specific conditions:
// malformed-action, bad-action, bad-sessionid, session-expired, bad-payload; forbidden for a command
// the requester may not run.
import { el, type Element } from "../../xml/element.ts";
import { NS_COMMANDS } from "../../ns.ts";
import type { IqContext } from "../../router/iq-registry.ts";
import { errorReply, iqResult, type StanzaErrorCondition } from "../../stanza/errors.ts";
import type { AdhocCommand, CommandContext, Step } from "./command.ts";
import type { CommandSessions } from "./command-sessions.ts";
import { submittedForm } from "./form.ts";

const ACTIONS = ["execute", "cancel", "prev", "next", "complete"];

type Specific = "malformed-action" | "bad-action" | "bad-sessionid" | "session-expired" | "bad-payload";

/** §4.6: a stanza error with the command namespace's specific condition beside the general one. */
function commandError(
  iq: Element,
  condition: StanzaErrorCondition,
  specific?: Specific,
  text?: string,
): Element {
  const reply = errorReply(iq, condition, text === undefined ? {} : { text });
  if (specific !== undefined) reply.getChild("error")?.append(el(specific, { xmlns: NS_COMMANDS }));
  return reply;
}

function response(iq: Element, node: string, sessionid: string, step: Step): Element {
  const command = el("command", { xmlns: NS_COMMANDS, node, sessionid, status: step.status });
  if (step.status === "executing") {
    // §3.4: the only way on is "complete", which is also what "execute" means here.
    command.append(el("actions", { execute: "complete" }, el("complete")), step.form);
  } else if (step.status === "completed" && step.form !== undefined) {
    command.append(step.form);
  }
  if (step.status !== "bad-payload")
    for (const n of step.notes ?? []) command.append(el("note", { type: n.type }, n.text));
  return iqResult(iq, command);
}

export interface ExecuteDeps {
  readonly commands: ReadonlyMap<string, AdhocCommand>;
  readonly sessions: CommandSessions;
  readonly isAdmin: (bare: string) => boolean;
}

export function mayRun(deps: ExecuteDeps, command: AdhocCommand, bare: string): boolean {
  return !command.adminOnly || deps.isAdmin(bare);
}

export async function executeCommand(
  deps: ExecuteDeps,
  { session, iq, payload }: IqContext,
): Promise<Element> {
  const jid = session.jid;
  const to = iq.attrs.to;
  // Commands are the server's (§2); an account's bare JID offers none.
  if (jid === undefined || to?.includes("@") === true) return errorReply(iq, "service-unavailable");
  const node = payload.attrs.node;
  const command = node === undefined ? undefined : deps.commands.get(node);
  if (node === undefined || command === undefined) return errorReply(iq, "item-not-found");
  if (!mayRun(deps, command, jid.bare().toString()))
    return errorReply(iq, "forbidden", { text: "Only the server's admins may run this command" });
  const action = payload.attrs.action;
  if (action !== undefined && !ACTIONS.includes(action))
    return commandError(iq, "bad-request", "malformed-action");
  const c: CommandContext = { ctx: session.ctx, session, host: to ?? jid.domain };
  const full = jid.toString();
  const sessionid = payload.attrs.sessionid;

  if (sessionid === undefined) {
    if (action !== undefined && action !== "execute") return commandError(iq, "bad-request", "bad-sessionid");
    const step = await command.start(c);
    const s = deps.sessions.open(full, node);
    if (step.status !== "executing") deps.sessions.close(full, s.id);
    if (step.status === "bad-payload") return commandError(iq, "bad-request", "bad-payload", step.text);
    return response(iq, node, s.id, step);
  }

  const found = deps.sessions.find(full, sessionid);
  if (!found.ok)
    return found.reason === "session-expired"
      ? commandError(iq, "not-allowed", "session-expired")
      : commandError(iq, "bad-request", "bad-sessionid");
  if (found.session.node !== node) return commandError(iq, "bad-request", "bad-sessionid");
  const form = submittedForm(payload);
  // §3.4.1: cancel, also as a form of type "cancel" (XEP-0004 §3.1).
  if (action === "cancel" || form?.attrs.type === "cancel") {
    deps.sessions.close(full, sessionid);
    return iqResult(iq, el("command", { xmlns: NS_COMMANDS, node, sessionid, status: "canceled" }));
  }
  // Two stages: nothing before this one, nothing after it but completion.
  if ((action !== undefined && action !== "complete" && action !== "execute") || command.submit === undefined)
    return commandError(iq, "bad-request", "bad-action");
  const step = await command.submit(c, form);
  if (step.status === "bad-payload") return commandError(iq, "bad-request", "bad-payload", step.text);
  if (step.status === "completed") deps.sessions.close(full, sessionid);
  return response(iq, node, sessionid, step);
}
