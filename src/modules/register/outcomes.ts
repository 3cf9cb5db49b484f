// XEP-0077 §9 with RFC 6120 §8.3.3: the stanza error for each provider answer that is not a success.
// A backend that cannot answer is our fault and temporary: internal-server-error of type "wait".
import type { Element } from "../../xml/element.ts";
import type { BackendFailure, WriteResult } from "../../auth/provider.ts";
import type { Session } from "../../stream/session.ts";
import { errorReply } from "../../stanza/errors.ts";

export const UNAVAILABLE_TEXT = "The account service is unavailable; try again later.";

type Failure = Exclude<WriteResult, { outcome: "ok" }>;

/** Logs a backend failure by method, reason and status: never a password or a URL. */
export function logBackendFailure(session: Session, method: string, result: BackendFailure): void {
  session.logger.warn(
    { method, reason: result.reason, status: result.status },
    "account service unavailable",
  );
}

export function backendErrorReply(iq: Element): Element {
  return errorReply(iq, "internal-server-error", { type: "wait", text: UNAVAILABLE_TEXT });
}

/** The reply to a write the API did not carry out. */
export function writeFailureReply(session: Session, method: string, iq: Element, result: Failure): Element {
  switch (result.outcome) {
    case "conflict":
      return errorReply(iq, "conflict", { text: "The username is already taken" });
    case "unsupported":
      return errorReply(iq, "feature-not-implemented", {
        text: "The account service does not support this",
      });
    default:
      logBackendFailure(session, method, result);
      return backendErrorReply(iq);
  }
}
