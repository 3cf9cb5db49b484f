// `xmpp-http-auth check` as a user runs it: arguments and environment in, a table or JSON out, an exit
// status; secrets never in any of it, progress only on a terminal.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { rootCertificates } from "node:tls";
import { run } from "../../src/cli/check.ts";
import type { CliIo } from "../../src/cli/io.ts";
import { ALICE, CREDENTIALS, startReferenceApi, type Fault } from "./checker-reference-api.ts";

interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}, tty = false): Promise<Captured> {
  const out = capture();
  const err = capture();
  if (tty) Object.assign(err.stream, { isTTY: true });
  const io: CliIo = {
    stdout: out.stream,
    stderr: err.stream,
    stdin: new PassThrough(),
    env,
    stopSignal: new Promise(() => {}),
  };
  const code = await run(args, io);
  return { code, stdout: out.text(), stderr: err.text() };
}

async function withApi<T>(fault: Fault | undefined, body: (url: string) => Promise<T>): Promise<T> {
  const api = await startReferenceApi({
    users: { alice: ALICE.password },
    credentials: CREDENTIALS,
    ...(fault ? { fault } : {}),
  });
  try {
    return await body(api.url);
  } finally {
    await api.close();
  }
}

const TLS_CA_FILE = new URL("../fixtures/tls/ca.crt", import.meta.url).pathname;
const TLS_CERT = readFileSync(new URL("../fixtures/tls/server.crt", import.meta.url));
const TLS_KEY = readFileSync(new URL("../fixtures/tls/server.key", import.meta.url));

const SECRET_PART = CREDENTIALS.split(":")[1] ?? "";
const FORBIDDEN = [
  ALICE.password,
  encodeURIComponent(ALICE.password),
  SECRET_PART,
  Buffer.from(CREDENTIALS).toString("base64"),
  "xha-wrong-",
];

function assertNoSecrets(text: string): void {
  for (const secret of FORBIDDEN)
    assert.ok(!text.includes(secret), `output must not contain ${JSON.stringify(secret.slice(0, 4))}…`);
}

void describe("check command", () => {
  void it("prints one row per probe and the summary line; exit 0 when nothing failed", async () => {
    const r = await withApi(undefined, (url) =>
      cli([
        url,
        "--credentials",
        CREDENTIALS,
        "--user",
        "alice",
        "--password",
        ALICE.password,
        "--allow-writes",
      ]),
    );
    assert.equal(r.code, 0, r.stdout);
    assert.match(
      r.stdout,
      /^reachable\s+an HTTP answer within the timeout\s+200 "false" \(\d+ ms\)\s+PASS\s+PASS\s+the API answers$/m,
    );
    assert.match(r.stdout, /^PROBE\s+EXPECTED\s+GOT\s+PROSODY\s+XHA\s+REASON$/m);
    const tail = r.stdout.trimEnd().split("\n").slice(-3);
    assert.deepEqual(tail, [
      "25 passed, 0 failed, 0 warnings",
      "Prosody 0.12: usable (0 failed, 0 warnings)",
      "xmpp-http-auth: usable (0 failed, 0 warnings)",
    ]);
    assert.equal(r.stderr, "", "no progress when stderr is not a terminal");
    assertNoSecrets(r.stdout);
  });

  void it("takes credentials and password from the environment, and flags win over it", async () => {
    const env = { XMPP_HTTP_AUTH_CREDENTIALS: CREDENTIALS, XMPP_HTTP_AUTH_PASSWORD: ALICE.password };
    const fromEnv = await withApi(undefined, (url) => cli([url, "--user", "alice"], env));
    assert.equal(fromEnv.code, 0, fromEnv.stdout);
    assert.match(fromEnv.stdout, /^check-password-good .* PASS /m);
    const flagWins = await withApi(undefined, (url) =>
      cli([url, "--user", "alice", "--credentials", "prosody:nope"], env),
    );
    assert.equal(flagWins.code, 1);
    assert.match(flagWins.stdout, /^reachable .* FAIL\s+the API refused the --credentials given$/m);
    assertNoSecrets(fromEnv.stdout + flagWins.stdout);
  });

  void it("--json: the same data as one document, secrets masked, failures with their hint; exit 1", async () => {
    const r = await withApi("html-echo", (url) =>
      cli([url, "--json", "--credentials", CREDENTIALS, "--user", "alice", "--password", ALICE.password]),
    );
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout) as {
      password: string;
      credentials: string;
      probes: Array<{
        id: string;
        status: string;
        hint?: string;
        targets?: Record<string, { status: string }>;
      }>;
      summary: { failed: number; line: string };
      targets: Array<{ target: string; usable: boolean }>;
      exitStatus: number;
      ok: boolean;
    };
    assert.equal(doc.password, "***");
    assert.equal(doc.credentials, "***");
    assert.equal(doc.ok, false);
    assert.ok(doc.summary.failed > 0);
    assert.match(doc.summary.line, /^\d+ passed, \d+ failed, \d+ warnings, \d+ skipped$/);
    const body = doc.probes.find((p) => p.id === "boolean-body");
    assert.equal(body?.status, "fail");
    // Per server: Prosody reads the HTML page for a wrong password as "no" (WARN), we fail closed.
    const wrong = doc.probes.find((p) => p.id === "check-password-wrong");
    assert.equal(wrong?.targets?.["prosody"]?.status, "warn");
    assert.equal(wrong?.targets?.["xmpp-http-auth"]?.status, "fail");
    assert.deepEqual(
      doc.targets.map((t) => [t.target, t.usable]),
      [
        ["prosody", false],
        ["xmpp-http-auth", false],
      ],
    );
    assert.equal(doc.exitStatus, 1);
    assert.ok((body?.hint ?? "").length > 0);
    assertNoSecrets(r.stdout + r.stderr);
  });

  void it("the table names each failure's meaning for users, and never the echoed password", async () => {
    const r = await withApi("html-echo", (url) =>
      cli([url, "--credentials", CREDENTIALS, "--user", "alice", "--password", ALICE.password]),
    );
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /What this means for your users:\n {2}FAIL check-password-good on Prosody 0\.12: a login with the right password gets not-authorized/,
    );
    assert.match(r.stdout, /^ {2}FAIL check-password-good on xmpp-http-auth: .*temporary-auth-failure/m);
    assertNoSecrets(r.stdout);
  });

  void it("shows progress on a terminal and clears it", async () => {
    const r = await withApi(undefined, (url) => cli([url, "--credentials", CREDENTIALS], {}, true));
    assert.match(r.stderr, /checking reachable…/);
    assert.match(r.stderr, /checking response-time…/);
    assert.ok(r.stderr.endsWith("\r\x1b[K"));
  });

  void it("usage errors exit 2 without repeating the values given", async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /URL of the API is missing/],
      [["http://127.0.0.1:1/auth", "--bogus"], /unknown option --bogus/],
      [["http://127.0.0.1:1/auth", "--credentials", "no-colon-s3cr3t"], /expected USER:SECRET/],
      [["http://127.0.0.1:1/auth", "--password", "hunter2-s3cr3t"], /--password needs --user/],
      [["http://127.0.0.1:1/auth", "--timeout", "soon"], /--timeout: expected a duration/],
      [["http://x:pw-s3cr3t@127.0.0.1:1/auth"], /not in the URL/],
      [["ftp://127.0.0.1/auth"], /http or https/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, message);
      assert.ok(!r.stderr.includes("s3cr3t"), "the value is not repeated");
      assert.equal(r.stdout, "");
    }
    const help = await cli(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: xmpp-http-auth check URL/);
  });

  void it("an API that is down fails reachable once, with a reason", async () => {
    const r = await cli(["http://127.0.0.1:9/auth", "--timeout", "2s"]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^reachable .* FAIL\s+no HTTP answer$/m);
    assert.ok(r.stdout.includes("\n0 passed, 1 failed, 0 warnings, 24 skipped\n"));
    assert.match(r.stdout, /^Prosody 0\.12: NOT usable \(1 failed, 0 warnings\)$/m);
  });

  void it("--target: the exit status says with which server the API is usable", async () => {
    // Strict about the Content-Type: every write fails through Prosody (its typo), works with us.
    const args = (url: string, target?: string): string[] => [
      url,
      "--credentials",
      CREDENTIALS,
      "--user",
      "alice",
      "--password",
      ALICE.password,
      "--allow-writes",
      ...(target === undefined ? [] : ["--target", target]),
    ];
    const both = await withApi("strict-content-type", (url) => cli(args(url)));
    assert.equal(both.code, 3, both.stdout);
    assert.match(both.stdout, /^Prosody 0\.12: NOT usable \(3 failed, \d+ warnings\)$/m);
    assert.match(both.stdout, /^xmpp-http-auth: usable \(0 failed, 0 warnings\)$/m);
    assert.match(
      both.stdout,
      /FAIL set-password on Prosody 0\.12: works with xmpp-http-auth, fails with Prosody 0\.12 \(its Content-Type typo\): users cannot change their password/,
    );
    const prosody = await withApi("strict-content-type", (url) => cli(args(url, "prosody")));
    assert.equal(prosody.code, 1);
    assert.match(prosody.stdout, /^PROBE\s+EXPECTED\s+GOT\s+PROSODY\s+REASON$/m);
    const ours = await withApi("strict-content-type", (url) => cli(args(url, "xmpp-http-auth")));
    assert.equal(ours.code, 0, ours.stdout);
    assert.doesNotMatch(ours.stdout, /Prosody 0\.12: /);
    const bad = await cli(["http://127.0.0.1:1/auth", "--target", "ejabberd"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--target: expected prosody, xmpp-http-auth or both/);
  });

  void it("--ca trusts a private CA for an https API; --insecure skips the check and says so", async () => {
    const server = createHttpsServer({ cert: TLS_CERT, key: TLS_KEY }, (req, res) => {
      res.writeHead(req.url?.includes("/user_exists") ? 200 : 400, { "content-type": "text/plain" });
      res.end(req.url?.includes("/user_exists") ? "false" : "missing");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/auth`;
    const dir = mkdtempSync(join(tmpdir(), "xha-check-ca-"));
    try {
      const trusted = await cli([url, "--ca", TLS_CA_FILE]);
      assert.match(trusted.stdout, /^reachable .* PASS\s+PASS\s+the API answers$/m);
      // --ca replaces the trust store with the system roots plus the file: a CA that did not sign the
      // API's certificate does not let the run through (whatever NODE_EXTRA_CA_CERTS says).
      const other = join(dir, "other.pem");
      writeFileSync(other, rootCertificates[0] ?? "");
      const untrusted = await cli([url, "--ca", other]);
      assert.equal(untrusted.code, 1);
      assert.match(untrusted.stdout, /^reachable .* FAIL/m);
      const insecure = await cli([url, "--insecure"]);
      assert.match(insecure.stdout, /^WARNING: --insecure: the API's certificate was not checked$/m);
      assert.match(insecure.stdout, /^reachable .* PASS\s+PASS\s+the API answers$/m);
      const notPem = join(dir, "not.pem");
      writeFileSync(notPem, "hello");
      const bad = await cli([url, "--ca", notPem]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--ca: the file holds no PEM certificate/);
      const both = await cli([url, "--ca", TLS_CA_FILE, "--insecure"]);
      assert.equal(both.code, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
