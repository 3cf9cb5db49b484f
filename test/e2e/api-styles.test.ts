// The corpus of real-world API styles (test/helpers/api-styles.ts), each checked twice: the checker's
// verdicts per server (read-only and --allow-writes), and our server's outcomes for every user-visible
// step through real XMPP streams. Prosody 0.12's column is what the answer table
// (src/auth/http/answers.ts) says for the answers each style gives; each row cites its source there.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PROBE_IDS, runCheck } from "../../src/checker/run-check.ts";
import { exitStatus } from "../../src/checker/report.ts";
import type { CheckReport } from "../../src/checker/types.ts";
import { CREDENTIALS, USERS, startStyleApi, type ApiStyle, type StyleApi } from "../helpers/api-styles.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { REMOVE, iq, loggedIn, outcome, register, registerQuery } from "../helpers/register-client.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";

/** What users see for each step: "result", "logged in", or a condition (SASL, or stanza "cond/type"). */
interface Outcomes {
  readonly login: string;
  readonly wrongPassword: string;
  readonly unknownUser: string;
  readonly register: string;
  readonly passwordChange: string;
  readonly removal: string;
  readonly bounce: string;
}

interface StyleCase {
  readonly style: ApiStyle;
  /** Prosody 0.12 + mod_auth_http (answer table rows; wire scenarios named in answers.ts). */
  readonly prosody: Outcomes;
  /** Our server (our column of the same table). */
  readonly ours: Outcomes;
  /** Probe statuses ("prosody/xmpp-http-auth", or one word when both agree) that are not PASS. */
  readonly readOnly: Record<string, string>;
  readonly writes: Record<string, string>;
  /** Exit status of the --allow-writes run: 0 usable with both, 3 only with xmpp-http-auth. */
  readonly writesExit: number;
}

const LOGIN_OK = { login: "logged in", wrongPassword: "not-authorized", unknownUser: "not-authorized" };
const WORKS: Outcomes = {
  ...LOGIN_OK,
  register: "result",
  passwordChange: "result",
  removal: "result",
  bounce: "service-unavailable",
};
// Prosody's typo: a body the framework does not parse → 400 → register/set_password/remove_user fail
// ("any other" rows: feature-not-implemented, internal-server-error, service-unavailable).
const TYPO_BREAKS_WRITES: Outcomes = {
  ...WORKS,
  register: "feature-not-implemented/cancel",
  passwordChange: "internal-server-error/wait",
  removal: "service-unavailable/cancel",
};
const TYPO_PROBES = {
  "register-new": "fail/pass",
  "register-existing": "warn/pass",
  "set-password": "fail/pass",
  "old-password-refused": "skip/pass",
  "new-password-accepted": "skip/pass",
  "remove-user": "fail/pass",
  "user-gone": "skip/pass",
};
const NO_WRITES_PROSODY = TYPO_BREAKS_WRITES; // 404/501 to a write: the same "not a success" rows
const NO_WRITES_OURS: Outcomes = {
  ...WORKS,
  register: "feature-not-implemented/cancel",
  passwordChange: "feature-not-implemented/cancel",
  removal: "feature-not-implemented/cancel",
};
const LIFECYCLE_AFTER_REGISTER = [
  "register-existing",
  "register-login",
  "set-password",
  "old-password-refused",
  "new-password-accepted",
  "remove-user",
  "user-gone",
];
const NOT_IMPLEMENTED = {
  "register-new": "skip",
  ...Object.fromEntries(LIFECYCLE_AFTER_REGISTER.map((id) => [id, "skip"])),
};

const CASES: StyleCase[] = [
  {
    style: "flask",
    prosody: TYPO_BREAKS_WRITES,
    ours: WORKS,
    readOnly: {},
    writes: TYPO_PROBES,
    writesExit: 3,
  },
  {
    style: "php",
    prosody: TYPO_BREAKS_WRITES,
    ours: WORKS,
    readOnly: {},
    writes: TYPO_PROBES,
    writesExit: 3,
  },
  {
    style: "express",
    prosody: TYPO_BREAKS_WRITES,
    ours: WORKS,
    readOnly: {},
    writes: TYPO_PROBES,
    writesExit: 3,
  },
  // 403/404 `false` is "no" for both servers (the 4xx `false` row); writes have no route (JSON 404).
  {
    style: "pleroma",
    prosody: NO_WRITES_PROSODY,
    ours: NO_WRITES_OURS,
    readOnly: {},
    writes: NOT_IMPLEMENTED,
    writesExit: 0,
  },
  {
    style: "open-501",
    prosody: NO_WRITES_PROSODY,
    ours: NO_WRITES_OURS,
    readOnly: {
      "auth-required": "warn",
      "auth-wrong-rejected": "skip",
      "register-no-user": "skip",
      "set-password-no-user": "skip",
      "remove-user-no-user": "skip",
    },
    writes: NOT_IMPLEMENTED,
    writesExit: 0,
  },
  // 404 "no such user" to a write without user is harmless: nobody sends one.
  { style: "no-user-404", prosody: WORKS, ours: WORKS, readOnly: {}, writes: {}, writesExit: 0 },
];

const LIFECYCLE_IDS = ["register-new", ...LIFECYCLE_AFTER_REGISTER];

function byTarget(report: CheckReport): Record<string, string> {
  return Object.fromEntries(
    report.results.map((r) => {
      const p = r.targets.prosody.status;
      const x = r.targets["xmpp-http-auth"].status;
      return [r.id, p === x ? p : `${p}/${x}`];
    }),
  );
}

function expected(c: StyleCase, writes: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id] of PROBE_IDS) out[id] = !writes && LIFECYCLE_IDS.includes(id) ? "skip" : "pass";
  // None of these styles implements MongooseIM's get_password: not implemented, skipped.
  out["get-password-known"] = out["get-password-unknown"] = "skip";
  // The open API is checked without credentials: the same as its read-only verdicts there.
  const base = c.style === "open-501" ? c.readOnly : {};
  return { ...out, ...base, ...(writes ? c.writes : c.readOnly) };
}

async function check(c: StyleCase, api: StyleApi, writes: boolean): Promise<CheckReport> {
  return runCheck({
    url: api.url,
    server: "localhost",
    ...(c.style === "open-501" ? {} : { credentials: CREDENTIALS }),
    user: "alice",
    password: USERS["alice"] ?? "",
    allowWrites: writes,
    timeoutMs: 5000,
    slowMs: 5000,
  });
}

async function loginOutcome(srv: TestServer, user: string, password: string): Promise<string> {
  try {
    const c = await loggedIn(srv.tlsPort, user, password);
    c.destroy();
    return "logged in";
  } catch (err) {
    return /<failure[^>]*><([a-z-]+)/.exec(String(err))?.[1] ?? String(err);
  }
}

async function serverOutcomes(srv: TestServer): Promise<Outcomes> {
  const login = await loginOutcome(srv, "alice", "wonderland");
  const wrongPassword = await loginOutcome(srv, "alice", "WRONG");
  const unknownUser = await loginOutcome(srv, "nobody", "whatever");
  const registered = await register({ tlsPort: srv.tlsPort }, "newbie", "n3wbie");
  const carol = await loggedIn(srv.tlsPort, "carol", "c4rol");
  let passwordChange: string;
  let bounce: string;
  try {
    const change = registerQuery({ username: "carol", password: "n3w pass&=+%" });
    passwordChange = outcome(await iq(carol, "set", change));
    const mark = carol.received.length;
    carol.write("<message to='ghost@localhost' type='chat' id='b1'><body>hello?</body></message>");
    const error = await carol.waitFor(/<message\b[^>]*type="error"[\s\S]*?<\/message>/, 5000, mark);
    bounce = /<([a-z-]+) xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/.exec(error)?.[1] ?? error;
  } finally {
    carol.destroy();
  }
  const bob = await loggedIn(srv.tlsPort, "bob", "builder");
  let removal: string;
  try {
    removal = outcome(await iq(bob, "set", REMOVE));
  } finally {
    bob.destroy();
  }
  return { login, wrongPassword, unknownUser, register: registered, passwordChange, removal, bounce };
}

for (const c of CASES) {
  void describe(`API style: ${c.style}`, () => {
    let api: StyleApi;
    before(async () => {
      api = await startStyleApi(c.style);
    });
    after(async () => {
      await api.close();
    });

    void it("checker, read-only: verdicts per server", async () => {
      const report = await check(c, api, false);
      assert.deepEqual(byTarget(report), expected(c, false));
      assert.equal(exitStatus(report), 0);
    });

    void it("checker, --allow-writes: verdicts per server, sent as Prosody sends them", async () => {
      const report = await check(c, api, true);
      assert.deepEqual(byTarget(report), expected(c, true));
      assert.equal(exitStatus(report), c.writesExit);
      const posts = api.requests.filter((r) => r.contentType !== undefined);
      assert.ok(posts.some((r) => r.contentType === "application/x/www-form-urlencoded"));
      // Each FAIL on Prosody names the condition Prosody's users get (the effects table).
      const conditions: Record<string, string> = {
        "register-new": "feature-not-implemented",
        "set-password": "internal-server-error",
        "remove-user": "service-unavailable",
      };
      for (const r of report.results) {
        if (r.targets.prosody.status !== "fail") continue;
        assert.match(r.targets.prosody.hint ?? "", /its Content-Type typo/, r.id);
        assert.ok((r.targets.prosody.hint ?? "").includes(conditions[r.id] ?? "?"), r.id);
      }
    });

    void it("our server: login, wrong password, unknown user, register, password change, removal, bounce", async () => {
      const srv = await startServer({
        certificate: TEST_CERT,
        key: TEST_KEY,
        hosts: {
          localhost: {
            http_auth_url: api.url,
            ...(c.style === "open-501" ? {} : { http_auth_credentials: CREDENTIALS }),
            http_auth_timeout: 5,
            allow_registration: true,
            registration_throttle_max: 1000,
          },
        },
      });
      try {
        assert.deepEqual(await serverOutcomes(srv), c.ours);
        // Backend trouble is logged as such; a "no" and a "not implemented" are not trouble.
        const failures = srv.logs.filter((l) => l.includes("HTTP auth API call failed"));
        assert.deepEqual(failures, []);
      } finally {
        await srv.stop();
      }
      // What Prosody's users would see differs from ours only where the table says so.
      for (const step of Object.keys(c.prosody) as Array<keyof Outcomes>) {
        if (c.prosody[step] !== c.ours[step])
          assert.ok(["register", "passwordChange", "removal"].includes(step));
      }
    });
  });
}
