// The answer table (src/auth/http/answers.ts) against its sources: Prosody's column against
// mod_auth_http's rule and the wire recordings' outcomes, MongooseIM's against ejabberd_auth_http's
// rule, every answer covered by exactly the row the docs show, and docs/http-auth-protocol.md
// showing the table as the code has it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ANSWER_TABLE, groupOf, readAnswer, type AnswerRow, type Seen } from "../../src/auth/http/answers.ts";
import { METHODS, type Method } from "../../src/auth/http/protocol.ts";

const BODIES = [
  "true",
  "false",
  "",
  "true\n",
  "TRUE",
  '{"ok":true}',
  "<!DOCTYPE html><p>Not Found</p>",
  "no such user",
];
const STATUSES = [
  200, 201, 202, 204, 301, 400, 401, 403, 404, 405, 407, 408, 409, 410, 422, 429, 500, 501, 502, 503,
];
const ALL: Seen[] = [undefined, ...STATUSES.flatMap((status) => BODIES.map((body) => ({ status, body })))];

/** mod_auth_http's rule, restated: a boolean is true only for 200 `true`; register needs 201. */
function prosodyRule(method: Method, seen: Seen): string {
  const code = seen?.status;
  if (groupOf(method) === "boolean") return code === 200 && seen?.body === "true" ? "yes" : "no";
  if (method === "register") return code === 201 ? "done" : "refused";
  return code === 200 || code === 201 || code === 204 ? "done" : "refused";
}

/** ejabberd_auth_http's rule, restated (an unlisted status or no answer is a failure too). */
function mongooseRule(method: Method, seen: Seen): string {
  const code = seen?.status;
  if (groupOf(method) === "boolean") return code === 200 && seen?.body === "true" ? "yes" : "no";
  if (method === "register") return code === 201 ? "done" : code === 409 ? "conflict" : "refused";
  return code === 200 || code === 201 || code === 204 ? "done" : "refused";
}

test("Prosody's and MongooseIM's columns follow their code for every answer", () => {
  for (const method of METHODS) {
    for (const seen of ALL) {
      const row = readAnswer(method, seen);
      const what = `${method} ${JSON.stringify(seen)}`;
      assert.equal(row.prosody, prosodyRule(method, seen), what);
      assert.equal(row.mongooseim, mongooseRule(method, seen), what);
    }
  }
});

// Outcomes recorded from Prosody 0.12.3 + mod_auth_http (scenario names of the wire recordings).
const RECORDED: ReadonlyArray<readonly [string, Method, Seen, string]> = [
  ["login_ok", "check_password", { status: 200, body: "true" }, "yes"],
  ["login_wrong_password", "check_password", { status: 200, body: "false" }, "no"],
  ["truenl_login", "check_password", { status: 200, body: "true\n" }, "no"],
  ["upper_login", "check_password", { status: 200, body: "TRUE" }, "no"],
  ["api_500_login", "check_password", { status: 500, body: "error" }, "no"],
  ["api_down_login", "check_password", undefined, "no"],
  ["message_to_nonexistent", "user_exists", { status: 200, body: "false" }, "no"],
  ["message_user_exists_500", "user_exists", { status: 500, body: "overridden" }, "no"],
  ["register_new", "register", { status: 201, body: "" }, "done"],
  ["register_answer_200", "register", { status: 200, body: "overridden" }, "refused"],
  ["register_answer_409", "register", { status: 409, body: "overridden" }, "refused"],
  ["register_answer_501", "register", { status: 501, body: "overridden" }, "refused"],
  ["api_500_register", "register", { status: 500, body: "error" }, "refused"],
  ["passwd", "set_password", { status: 200, body: "" }, "done"],
  ["passwd_answer_204", "set_password", { status: 204, body: "" }, "done"],
  ["passwd_answer_500", "set_password", { status: 500, body: "overridden" }, "refused"],
  ["unregister", "remove_user", { status: 200, body: "" }, "done"],
  ["unregister_answer_501", "remove_user", { status: 501, body: "overridden" }, "refused"],
];

test("Prosody's column agrees with every recorded outcome", () => {
  for (const [scenario, method, seen, reading] of RECORDED) {
    assert.equal(readAnswer(method, seen).prosody, reading, scenario);
  }
});

test("ours: fails closed except for the defined answers", () => {
  for (const method of METHODS) {
    for (const seen of ALL) {
      const row = readAnswer(method, seen);
      if (row.ours === "yes") assert.deepEqual(seen, { status: 200, body: "true" });
      if (row.ours === "no") {
        assert.equal(seen?.body, "false");
        assert.ok(
          seen.status === 200 ||
            (seen.status >= 400 && seen.status < 500 && ![401, 407, 408, 429].includes(seen.status)),
        );
      }
      if (row.ours === "not-implemented") {
        assert.ok(seen !== undefined && [404, 405, 501].includes(seen.status));
        if (seen.status !== 501) assert.doesNotMatch(seen.body, /^\s*</);
      }
      if (seen === undefined || seen.status >= 500)
        assert.ok(["fault", "not-implemented"].includes(row.ours));
    }
  }
});

const GROUP_LABEL = {
  boolean: "`check_password`, `user_exists`",
  register: "`register`",
  update: "`set_password`, `remove_user`",
} as const;

function renderRow(r: AnswerRow): string {
  return `| ${GROUP_LABEL[r.group]} | ${r.status} | ${r.body || "—"} | ${r.prosody} | ${r.mongooseim} | **${r.ours}** | ${r.source} |`;
}

test("docs/http-auth-protocol.md shows the table as the code has it", () => {
  const doc = readFileSync(new URL("../../docs/http-auth-protocol.md", import.meta.url), "utf8");
  for (const r of ANSWER_TABLE) assert.ok(doc.includes(renderRow(r)), `missing row:\n${renderRow(r)}`);
});
