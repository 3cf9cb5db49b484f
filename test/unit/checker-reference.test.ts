// The checker against a correct API: every probe passes (or is skipped for a stated reason), read-only
// and with --allow-writes, with and without credentials; a read-only run changes nothing.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PROSODY_FORM_CONTENT_TYPE } from "../../src/auth/http/protocol.ts";
import { PROBE_IDS, runCheck } from "../../src/checker/run-check.ts";
import type { CheckOptions } from "../../src/checker/types.ts";
import {
  ALICE,
  CREDENTIALS,
  referenceStatuses,
  startReferenceApi,
  statusesOf,
} from "./checker-reference-api.ts";

function options(url: string, extra: Partial<CheckOptions>): CheckOptions {
  return { url, server: "localhost", allowWrites: false, timeoutMs: 5000, slowMs: 1000, ...extra };
}

void describe("checker against the reference API", () => {
  for (const credentials of [true, false]) {
    for (const writes of [false, true]) {
      void it(`${writes ? "with --allow-writes" : "read-only"}, ${credentials ? "with" : "without"} credentials`, async () => {
        const api = await startReferenceApi({
          users: { alice: ALICE.password },
          ...(credentials ? { credentials: CREDENTIALS } : {}),
        });
        try {
          const before = api.snapshot();
          const report = await runCheck(
            options(api.url, {
              ...ALICE,
              allowWrites: writes,
              ...(credentials ? { credentials: CREDENTIALS } : {}),
            }),
          );
          assert.deepEqual(statusesOf(report.results), referenceStatuses({ credentials, writes }));
          assert.deepEqual(
            report.results.map((r) => r.id),
            PROBE_IDS.map(([id]) => id),
          );
          // The catalog and the probes state the same expectation (two are worded per run).
          for (const [id, expected] of PROBE_IDS) {
            if (id === "param-order" || id === "response-time" || (id === "auth-required" && !credentials))
              continue;
            assert.equal(report.results.find((r) => r.id === id)?.expected, expected, id);
          }
          // Read-only leaves the table byte for byte as it was; a writes run removes its throwaway account.
          assert.equal(api.snapshot(), before);
          if (!writes) {
            const posts = api.requests.filter((r) => r.method === "POST");
            assert.equal(posts.length, 3, "one POST per write method, each naming no user");
            for (const post of posts) assert.doesNotMatch(post.body, /(^|&)(user|pass)=/);
            for (const post of posts) assert.equal(post.contentType, PROSODY_FORM_CONTENT_TYPE);
          } else {
            const register = api.requests.filter((r) => r.method === "POST" && r.url.endsWith("/register"));
            assert.equal(
              register[1]?.contentType,
              PROSODY_FORM_CONTENT_TYPE,
              "the first real register is sent as Prosody sends it",
            );
            // Every write goes as Prosody sends it; an API that reads it needs no second request.
            const posts = api.requests.filter((r) => r.method === "POST");
            assert.ok(posts.length >= 7);
            for (const post of posts) assert.equal(post.contentType, PROSODY_FORM_CONTENT_TYPE, post.url);
            assert.ok(
              register.every((r) => !r.body.includes("user=alice")),
              "never touches the known account",
            );
          }
        } finally {
          await api.close();
        }
      });
    }
  }

  void it("without a known account, the probes that need one are skipped and nothing fails", async () => {
    const api = await startReferenceApi({ credentials: CREDENTIALS });
    try {
      const report = await runCheck(options(api.url, { credentials: CREDENTIALS }));
      const s = statusesOf(report.results);
      for (const id of ["check-password-good", "user-exists-known", "param-order"])
        assert.equal(s[id], "skip", id);
      assert.equal(report.counts.failed, 0);
      assert.equal(report.counts.warnings, 0);
    } finally {
      await api.close();
    }
  });

  void it("expands $host from --server and drops one trailing slash, as Prosody does", async () => {
    const api = await startReferenceApi({ basePath: "/api/example.com", users: {} });
    try {
      const template = api.url.replace("/api/example.com", "/api/$host/");
      const report = await runCheck(options(template, { server: "example.com" }));
      assert.equal(report.url, api.url);
      assert.equal(report.counts.failed, 0);
      assert.ok(api.requests.every((r) => r.url.startsWith("/api/example.com/")));
    } finally {
      await api.close();
    }
  });

  void it("removes the throwaway account even when the life cycle stops half-way", async () => {
    const api = await startReferenceApi({ users: { alice: ALICE.password } });
    try {
      const before = api.snapshot();
      const onProgress = (id: string): void => {
        if (id === "set-password") throw new Error("interrupted");
      };
      await assert.rejects(
        runCheck(options(api.url, { ...ALICE, allowWrites: true, onProgress })),
        /interrupted/,
      );
      assert.ok(
        api.requests.some((r) => r.url.endsWith("/register")),
        "the account was created",
      );
      assert.equal(api.snapshot(), before, "and removed again");
    } finally {
      await api.close();
    }
  });
});
