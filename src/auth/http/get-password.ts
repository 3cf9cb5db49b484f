// Reading an answer to get_password, MongooseIM's extension (docs/http-auth-protocol.md,
// "get_password"): 200 with SCRAM credentials in its serialisation; 404 (not an HTML page) for no
// such user; 501 for not implemented. We never ask for, and never accept, a plaintext password.
import type { ScramResult } from "../provider.ts";
import { parseSerialized } from "../scram.ts";
import { looksLikeHtml } from "./answers.ts";
import type { Answer } from "./client.ts";

/** What an answer to get_password means; the body is never logged (it is a credential). */
export function readGetPassword(answer: Answer): ScramResult {
  const { status } = answer;
  if (answer.body === undefined) return { outcome: "backend-error", reason: "body-too-large", status };
  const body = answer.body.toString("utf8");
  if (status === 200) {
    const credentials = parseSerialized(body);
    // A plaintext password (or anything else) is refused: fail closed, never test it.
    if (credentials === undefined) return { outcome: "backend-error", reason: "bad-body", status };
    return { outcome: "ok", credentials };
  }
  if (status === 404 && !looksLikeHtml(body)) return { outcome: "false" };
  if (status === 501) return { outcome: "unsupported" };
  return { outcome: "backend-error", reason: "status", status };
}
