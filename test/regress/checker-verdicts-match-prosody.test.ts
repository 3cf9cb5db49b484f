// Guards issue 11's checker defects: writes were probed with the correct Content-Type, so an API that
// only parses that type passed set-password and remove-user although both fail through Prosody; a
// Pleroma-style API (403/404 `false`) got six FAILs with false explanations; 404 "no such user" to a
// write without user was a FAIL although no server ever sends one.
import assert from "node:assert/strict";
import { it } from "node:test";
import { runCheck } from "../../src/checker/run-check.ts";
import type { CheckReport } from "../../src/checker/types.ts";
import { CREDENTIALS, USERS, startStyleApi, type ApiStyle } from "../helpers/api-styles.ts";

async function checkStyle(style: ApiStyle, allowWrites: boolean): Promise<CheckReport> {
  const api = await startStyleApi(style);
  try {
    return await runCheck({
      url: api.url,
      server: "localhost",
      credentials: CREDENTIALS,
      user: "alice",
      password: USERS["alice"] ?? "",
      allowWrites,
      timeoutMs: 5000,
      slowMs: 5000,
    });
  } finally {
    await api.close();
  }
}

it("a write that only works with the correct Content-Type fails on Prosody, and says why", async () => {
  const report = await checkStyle("php", true);
  for (const id of ["register-new", "set-password", "remove-user"]) {
    const r = report.results.find((x) => x.id === id);
    assert.equal(r?.targets.prosody.status, "fail", id);
    assert.equal(r?.targets["xmpp-http-auth"].status, "pass", id);
    assert.match(
      r?.targets.prosody.hint ?? "",
      /works with xmpp-http-auth, fails with Prosody 0\.12 \(its Content-Type typo\)/,
    );
  }
  const setPassword = report.results.find((x) => x.id === "set-password");
  assert.match(setPassword?.targets.prosody.hint ?? "", /users cannot change their password/);
});

it("Pleroma-style 403/404 `false`: nothing fails, nothing claims users cannot log in", async () => {
  const report = await checkStyle("pleroma", false);
  assert.equal(report.counts.failed, 0);
  assert.equal(report.counts.warnings, 0);
  const text = JSON.stringify(report);
  assert.doesNotMatch(text, /cannot log in|cannot tell that an account does not exist/);
});

it("404 'no such user' to writes without user is not a failure", async () => {
  const report = await checkStyle("no-user-404", false);
  for (const id of ["set-password-no-user", "remove-user-no-user"]) {
    assert.equal(report.results.find((x) => x.id === id)?.status, "pass", id);
  }
  assert.equal(report.counts.failed, 0);
});
