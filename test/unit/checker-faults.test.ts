// One fault at a time: each broken API is the reference API with one switch on, and the run must
// differ from the reference run in exactly the probes that own that fault, nowhere else.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PROBE_IDS, runCheck } from "../../src/checker/run-check.ts";
import type { CheckReport } from "../../src/checker/types.ts";
import {
  ALICE,
  CREDENTIALS,
  referenceStatuses,
  startReferenceApi,
  statusesOf,
  type Fault,
} from "./checker-reference-api.ts";

interface Case {
  readonly fault: Fault;
  readonly writes: boolean;
  /** The probes whose status differs from the reference run's, and how. */
  readonly differs: Record<string, string>;
  readonly reason?: RegExp;
}

const LIFECYCLE_REST = [
  "register-existing",
  "register-login",
  "set-password",
  "old-password-refused",
  "new-password-accepted",
  "remove-user",
  "user-gone",
];
const skipRest = Object.fromEntries(LIFECYCLE_REST.map((id) => [id, "skip"]));
const GUARDS = ["register-no-user", "set-password-no-user", "remove-user-no-user"];

// Statuses are "prosody/xmpp-http-auth", or one word when both servers agree.
const SPELLING = {
  "check-password-good": "fail",
  "check-password-wrong": "warn/fail",
  "check-password-reserved": "warn/fail",
  "user-exists-known": "fail/warn",
  "user-exists-unknown": "warn/fail",
  "param-order": "fail",
  "boolean-body": "fail",
};
const SPELLING_WRITES = {
  ...SPELLING,
  "register-login": "fail",
  "old-password-refused": "warn/fail",
  "new-password-accepted": "fail",
  "user-gone": "warn/fail",
};

const CASES: Case[] = [
  {
    fault: "get-password-plain",
    writes: false,
    differs: { "get-password-known": "skip/fail" },
    reason: /plaintext password: we never accept plaintext/,
  },
  {
    fault: "get-password-501",
    writes: false,
    differs: { "get-password-known": "skip", "get-password-unknown": "skip" },
    reason: /not implemented: keep http_auth_scram off/,
  },
  { fault: "trailing-newline", writes: false, differs: SPELLING, reason: /ends with a newline/ },
  { fault: "trailing-newline", writes: true, differs: SPELLING_WRITES },
  { fault: "uppercase", writes: false, differs: SPELLING, reason: /not lower-case/ },
  { fault: "json", writes: false, differs: SPELLING, reason: /is JSON/ },
  // 404 "not found" (no HTML page) to every write: not implemented, like 501, on both servers.
  { fault: "writes-404", writes: false, differs: {} },
  { fault: "writes-404", writes: true, differs: { "register-new": "skip", ...skipRest } },
  { fault: "register-200", writes: true, differs: { "register-new": "fail" }, reason: /^200: / },
  {
    fault: "ignores-auth",
    writes: false,
    differs: { "auth-required": "fail", "auth-wrong-rejected": "fail" },
    reason: /answered a request/,
  },
  { fault: "positional", writes: false, differs: { "param-order": "fail" }, reason: /read as no/ },
  {
    fault: "strict-content-type",
    writes: true,
    differs: {
      "register-new": "fail/pass",
      "register-existing": "warn/pass",
      "set-password": "fail/pass",
      "old-password-refused": "skip/pass",
      "new-password-accepted": "skip/pass",
      "remove-user": "fail/pass",
      "user-gone": "skip/pass",
    },
    reason: /400 with Prosody's Content-Type application\/x\/www-form-urlencoded, accepted with the correct/,
  },
  { fault: "chunked", writes: false, differs: { "content-length": "warn" }, reason: /chunked/ },
  {
    fault: "utf8-500",
    writes: false,
    differs: { "check-password-reserved": "warn/fail" },
    reason: /500: Prosody reads no, xmpp-http-auth fault/,
  },
  {
    fault: "utf8-500",
    writes: true,
    differs: { "check-password-reserved": "warn/fail", "register-new": "fail", ...skipRest },
  },
];

async function check(
  fault: Fault | undefined,
  writes: boolean,
  extra: { delayMs?: number; timeoutMs?: number; slowMs?: number } = {},
): Promise<CheckReport> {
  const api = await startReferenceApi({
    users: { alice: ALICE.password },
    credentials: CREDENTIALS,
    ...(fault === undefined ? {} : { fault }),
    ...(extra.delayMs === undefined ? {} : { delayMs: extra.delayMs }),
  });
  try {
    return await runCheck({
      url: api.url,
      server: "localhost",
      credentials: CREDENTIALS,
      ...ALICE,
      allowWrites: writes,
      timeoutMs: extra.timeoutMs ?? 5000,
      slowMs: extra.slowMs ?? 1000,
    });
  } finally {
    await api.close();
  }
}

function byTarget(report: CheckReport): Record<string, string> {
  return Object.fromEntries(
    report.results.map((r) => {
      const p = r.targets.prosody.status;
      const x = r.targets["xmpp-http-auth"].status;
      return [r.id, p === x ? p : `${p}/${x}`];
    }),
  );
}

function assertDiffers(report: CheckReport, writes: boolean, differs: Record<string, string>): void {
  // Prosody never calls get_password: skipped for it whatever the API answers.
  const expected = {
    ...referenceStatuses({ credentials: true, writes }),
    "get-password-known": "skip/pass",
    "get-password-unknown": "skip/pass",
    ...differs,
  };
  assert.deepEqual(byTarget(report), expected);
  for (const r of report.results) {
    for (const t of Object.values(r.targets)) {
      if (t.status === "fail" || t.status === "warn")
        assert.ok(t.hint !== undefined && t.hint !== "", `${r.id} has a hint`);
    }
  }
}

void describe("checker catches each fault with its own probe", () => {
  for (const c of CASES) {
    void it(`${c.fault} (${c.writes ? "--allow-writes" : "read-only"})`, async () => {
      const report = await check(c.fault, c.writes);
      assertDiffers(report, c.writes, c.differs);
      if (c.reason !== undefined) {
        const owner = Object.keys(c.differs)[0] ?? "";
        const result = report.results.find((r) => r.id === owner);
        assert.match(result?.reason ?? "", c.reason, owner);
      }
    });
  }

  void it("writes-501 is allowed: the write probes are skipped with what users lose, nothing fails", async () => {
    const report = await check("writes-501", true);
    assertDiffers(report, true, {
      ...Object.fromEntries(GUARDS.map((id) => [id, "skip"])),
      "register-new": "skip",
      ...skipRest,
    });
    const byId = new Map(report.results.map((r) => [r.id, r.reason]));
    const registerNew = report.results.find((r) => r.id === "register-new");
    assert.match(
      registerNew?.targets.prosody.hint ?? "",
      /cannot register in-band .* feature-not-implemented/,
    );
    assert.match(registerNew?.targets["xmpp-http-auth"].hint ?? "", /feature-not-implemented/);
    assert.equal(byId.get("set-password-no-user"), "not implemented (501): password change will be refused");
    assert.equal(byId.get("remove-user-no-user"), "not implemented (501): account removal will be refused");
  });

  void it("slow beyond the timeout: reachable fails once, the rest is not run", async () => {
    const report = await check("slow", false, { delayMs: 600, timeoutMs: 150 });
    const expected = Object.fromEntries(PROBE_IDS.map(([id]) => [id, id === "reachable" ? "fail" : "skip"]));
    assert.deepEqual(statusesOf(report.results), expected);
    const reachable = report.results[0];
    assert.equal(reachable?.got, "no answer within 150 ms");
    assert.match(reachable?.hint ?? "", /no timeout of its own/);
  });

  void it("slow but within the timeout: response-time warns, nothing else changes", async () => {
    const report = await check("slow", false, { delayMs: 60, timeoutMs: 2000, slowMs: 40 });
    assertDiffers(report, false, { "response-time": "warn" });
  });

  void it("an HTML error page is not taken for an answer, and never shows the password it echoes", async () => {
    const report = await check("html-echo", false);
    const s = byTarget(report);
    for (const id of ["check-password-good", "param-order", "boolean-body"]) assert.equal(s[id], "fail", id);
    // Prosody reads the page as "no", which is right for a wrong password, by accident; we fail closed.
    for (const id of ["check-password-wrong", "check-password-reserved"])
      assert.equal(s[id], "warn/fail", id);
    assert.match(report.results.find((r) => r.id === "boolean-body")?.reason ?? "", /HTML page/);
    const text = JSON.stringify(report);
    assert.ok(!text.includes("wonder"), "the known password, raw or encoded, is masked");
    assert.ok(!text.includes("xha-wrong-"), "so is the invented wrong password");
  });
});
