// The table of truth: what each HTTP answer (status × body × method) means to Prosody 0.12 +
// mod_auth_http, to MongooseIM's http auth method, and to us. The provider reads answers with our
// column; the checker judges an API with the Prosody and our columns and takes its sentences from
// EFFECTS, so neither can drift from what the servers do. Each row names where it comes from: the
// code of mod_auth_http / ejabberd_auth_http.erl, or a scenario of the Prosody wire recordings.
import { BODY_FALSE, BODY_TRUE, type Method } from "./protocol.ts";

export type Target = "prosody" | "xmpp-http-auth";
export const TARGETS: readonly Target[] = ["prosody", "xmpp-http-auth"];

/** What a server makes of one answer. `refused`: the write failed, with no finer meaning. */
export type Reading = "yes" | "no" | "done" | "conflict" | "not-implemented" | "refused" | "fault";

/** check_password and user_exists; register; set_password and remove_user. */
export type MethodGroup = "boolean" | "register" | "update";

export function groupOf(method: Method): MethodGroup {
  if (method === "check_password" || method === "user_exists") return "boolean";
  return method === "register" ? "register" : "update";
}

/** One HTTP answer as received, or `undefined` for none (refused, reset, timed out). */
export type Seen = { readonly status: number; readonly body: string } | undefined;

export interface AnswerRow {
  readonly group: MethodGroup;
  /** The statuses and body this row covers, as the docs show them. */
  readonly status: string;
  readonly body: string;
  readonly prosody: Reading;
  readonly mongooseim: Reading;
  readonly ours: Reading;
  /** Whether the contract defines this answer; an undefined one that happens to work is fragile. */
  readonly defined: boolean;
  readonly source: string;
  readonly matches: (seen: Seen) => boolean;
}

/** A framework's or proxy's error page: a wrong URL, not an answer from the API. */
export function looksLikeHtml(body: string): boolean {
  return /^\s*</.test(body);
}

// Statuses that say something about the request or the connection rather than about the account:
// the credentials were refused (401, 407), the API timed out (408) or throttles us (429).
const NOT_AN_ANSWER = new Set([401, 407, 408, 429]);

const answered = (test: (status: number, body: string) => boolean) => (seen: Seen) =>
  seen !== undefined && test(seen.status, seen.body);
const none = (seen: Seen): boolean => seen === undefined;
const any = (): boolean => true;
const unrouted = (s: number): boolean => s === 404 || s === 405;

const row = (r: AnswerRow): AnswerRow => Object.freeze(r);

export const ANSWER_TABLE: readonly AnswerRow[] = Object.freeze([
  row({
    group: "boolean",
    status: "200",
    body: "`true`",
    prosody: "yes",
    mongooseim: "yes",
    ours: "yes",
    defined: true,
    source: 'mod_auth_http: code == 200 and body == "true"; wire: login_ok',
    matches: answered((s, b) => s === 200 && b === BODY_TRUE),
  }),
  row({
    group: "boolean",
    status: "200",
    body: "`false`",
    prosody: "no",
    mongooseim: "no",
    ours: "no",
    defined: true,
    source: "wire: login_wrong_password, message_to_nonexistent",
    matches: answered((s, b) => s === 200 && b === BODY_FALSE),
  }),
  row({
    group: "boolean",
    status: "4xx but 401, 407, 408, 429",
    body: "`false`",
    prosody: "no",
    mongooseim: "no",
    ours: "no",
    defined: true,
    source: "mod_auth_http: anything but 200 `true` is false; Pleroma answers 403/404 `false`",
    matches: answered((s, b) => s >= 400 && s < 500 && !NOT_AN_ANSWER.has(s) && b === BODY_FALSE),
  }),
  row({
    group: "boolean",
    status: "200",
    body: "anything else (`true\\n`, `TRUE`, JSON, empty)",
    prosody: "no",
    mongooseim: "no",
    ours: "fault",
    defined: false,
    source: "mod_auth_http compares with ==; wire: truenl_login, upper_login",
    matches: answered((s) => s === 200),
  }),
  row({
    group: "boolean",
    status: "any other (401, 3xx, 5xx, a 4xx page)",
    body: "any",
    prosody: "no",
    mongooseim: "no",
    ours: "fault",
    defined: false,
    source: "wire: api_500_login, message_user_exists_500 (Prosody bounces)",
    matches: answered(any),
  }),
  row({
    group: "boolean",
    status: "no answer",
    body: "",
    prosody: "no",
    mongooseim: "no",
    ours: "fault",
    defined: false,
    source: "wire: api_down_login (Prosody has no timeout: api_slow_60s_login waits 60 s)",
    matches: none,
  }),
  row({
    group: "register",
    status: "201",
    body: "any",
    prosody: "done",
    mongooseim: "done",
    ours: "done",
    defined: true,
    source: "mod_auth_http: code == 201; wire: register_new",
    matches: answered((s) => s === 201),
  }),
  row({
    group: "register",
    status: "409",
    body: "any",
    prosody: "refused",
    mongooseim: "conflict",
    ours: "conflict",
    defined: true,
    source: "wire: register_answer_409 (Prosody: feature-not-implemented)",
    matches: answered((s) => s === 409),
  }),
  row({
    group: "register",
    status: "501",
    body: "any",
    prosody: "refused",
    mongooseim: "refused",
    ours: "not-implemented",
    defined: true,
    source: "wire: register_answer_501",
    matches: answered((s) => s === 501),
  }),
  ...unroutedRows("register"),
  row({
    group: "register",
    status: "any other (200, 204, 4xx, 5xx)",
    body: "any",
    prosody: "refused",
    mongooseim: "refused",
    ours: "fault",
    defined: false,
    source: "wire: register_answer_200, api_500_register",
    matches: answered(any),
  }),
  row({
    group: "register",
    status: "no answer",
    body: "",
    prosody: "refused",
    mongooseim: "refused",
    ours: "fault",
    defined: false,
    source: "wire: api_down_register",
    matches: none,
  }),
  row({
    group: "update",
    status: "200, 201, 204",
    body: "any",
    prosody: "done",
    mongooseim: "done",
    ours: "done",
    defined: true,
    source: "mod_auth_http: 200, 201 or 204; wire: passwd, passwd_answer_204, unregister",
    matches: answered((s) => s === 200 || s === 201 || s === 204),
  }),
  row({
    group: "update",
    status: "501",
    body: "any",
    prosody: "refused",
    mongooseim: "refused",
    ours: "not-implemented",
    defined: true,
    source: "wire: unregister_answer_501 (Prosody: service-unavailable)",
    matches: answered((s) => s === 501),
  }),
  ...unroutedRows("update"),
  row({
    group: "update",
    status: "any other (4xx, 5xx)",
    body: "any",
    prosody: "refused",
    mongooseim: "refused",
    ours: "fault",
    defined: false,
    source: "wire: passwd_answer_500 (Prosody: internal-server-error)",
    matches: answered(any),
  }),
  row({
    group: "update",
    status: "no answer",
    body: "",
    prosody: "refused",
    mongooseim: "refused",
    ours: "fault",
    defined: false,
    source: "mod_auth_http: no code is not 200, 201 or 204",
    matches: none,
  }),
]);

/** A write with no route (404/405) is "not implemented" like 501, unless the body is an HTML page. */
function unroutedRows(group: "register" | "update"): AnswerRow[] {
  return [
    row({
      group,
      status: "404, 405",
      body: "not an HTML page",
      prosody: "refused",
      mongooseim: "refused",
      ours: "not-implemented",
      defined: true,
      source: "an API with no route for the method (Pleroma); mod_auth_http: not a success",
      matches: answered((s, b) => unrouted(s) && !looksLikeHtml(b)),
    }),
    row({
      group,
      status: "404, 405",
      body: "an HTML page",
      prosody: "refused",
      mongooseim: "refused",
      ours: "fault",
      defined: false,
      source: "a framework's error page: most likely a wrong http_auth_url",
      matches: answered((s, b) => unrouted(s) && looksLikeHtml(b)),
    }),
  ];
}

/** The row that decides an answer to `method`: the first that matches, in table order. */
export function readAnswer(method: Method, seen: Seen): AnswerRow {
  const group = groupOf(method);
  const found = ANSWER_TABLE.find((r) => r.group === group && r.matches(seen));
  // The last row of each group matches every answer and the one before it every "no answer".
  if (found === undefined) throw new Error(`answer table has no row for ${method}`);
  return found;
}

export function readingFor(target: Target, r: AnswerRow): Reading {
  return target === "prosody" ? r.prosody : r.ours;
}
