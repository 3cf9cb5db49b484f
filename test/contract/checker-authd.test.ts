// Contract: the conformance checker against the real authd (SQLite on a temp file, real Argon2id,
// lockout on), read-only and with --allow-writes, with credentials: every probe passes. The two
// sides share protocol.ts; this shows they also agree on the wire.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { basicAuthorization, PROSODY_FORM_CONTENT_TYPE } from "../../src/auth/http/protocol.ts";
import { PROBE_IDS, runCheck } from "../../src/checker/run-check.ts";
import { startTestAuthd } from "../unit/authd-helpers.ts";

const CREDENTIALS = "prosody:contract-s3cret";
const ALICE = { user: "alice", password: "Zoë p&ss=+/%?# wonderland" };

/** Creates the known-good account the way Prosody would: a POST register with its Content-Type. */
async function registerAlice(base: string): Promise<void> {
  const body = new URLSearchParams({
    user: ALICE.user,
    pass: ALICE.password,
    server: "example.com",
  }).toString();
  const res = await fetch(`${base}/register`, {
    method: "POST",
    headers: { authorization: basicAuthorization(CREDENTIALS), "content-type": PROSODY_FORM_CONTENT_TYPE },
    body,
  });
  assert.equal(res.status, 201);
}

void describe("checker ⇄ authd", () => {
  for (const allowWrites of [false, true]) {
    void it(`every probe passes (${allowWrites ? "--allow-writes" : "read-only"}, with credentials)`, async (t) => {
      const { authd } = await startTestAuthd(t, { credentials: CREDENTIALS });
      await registerAlice(authd.url);
      const report = await runCheck({
        url: authd.url,
        server: "example.com",
        credentials: CREDENTIALS,
        ...ALICE,
        allowWrites,
        timeoutMs: 5000,
        slowMs: 1000,
      });
      const notPassed = report.results.filter((r) => r.status !== "pass");
      const expectedSkips = allowWrites ? [] : PROBE_IDS.map(([id]) => id).filter((id) => isLifecycle(id));
      assert.deepEqual(
        notPassed.map((r) => `${r.id}: ${r.status} ${r.reason}`),
        expectedSkips.map(
          (id) => `${id}: skip read-only run: pass --allow-writes to use a throwaway account`,
        ),
      );
      assert.equal(report.counts.failed, 0);
    });
  }
});

function isLifecycle(id: string): boolean {
  const ids = PROBE_IDS.map(([i]) => i);
  return ids.indexOf(id) >= ids.indexOf("register-new") && ids.indexOf(id) < ids.indexOf("boolean-body");
}
