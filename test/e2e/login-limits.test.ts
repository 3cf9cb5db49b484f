// Failed-login limits across connections (limit_auth_*): per client address first, then per account,
// with checks in flight counted, over real TLS sockets from distinct loopback addresses (127.0.0.0/8
// is all loopback on Linux, so each address is a different client to the server).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";

const plain = (u: string, p: string) => Buffer.from(`\0${u}\0${p}`).toString("base64");

async function withServer(
  options: Record<string, unknown>,
  body: (srv: TestServer, api: TestAuthApi) => Promise<void>,
): Promise<void> {
  const api = await startAuthApi({ "alice@localhost": "wonderland", "bob@localhost": "builder" });
  const srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    ...options,
    hosts: { localhost: { http_auth_url: api.url } },
  });
  try {
    await body(srv, api);
  } finally {
    await srv.stop();
    await api.close();
  }
}

/** One SASL PLAIN attempt on a fresh direct-TLS connection; returns "success" or the condition. */
async function attempt(srv: TestServer, user: string, password: string, from = "127.0.0.1") {
  const c = await RawClient.connect(srv.tlsPort, { tls: true, localAddress: from });
  try {
    c.open();
    await c.waitFor("</stream:features>");
    c.write(
      `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain(user, password)}</auth>`,
    );
    const answer = await c.waitFor(/<success[^>]*\/>|<failure[\s\S]*?<\/failure>/, 15_000);
    if (answer.startsWith("<success")) return { condition: "success", text: "" };
    return {
      condition: /<failure[^>]*><([a-z-]+)/.exec(answer)?.[1] ?? answer,
      text: /<text[^>]*>([^<]*)<\/text>/.exec(answer)?.[1] ?? "",
    };
  } finally {
    c.destroy();
  }
}

const checks = (api: TestAuthApi) => api.requests.filter((r) => r.path.endsWith("/check_password"));

/** The fail2ban filter of docs/security.md, with <ADDR> (an IPv4 or IPv6 address) as fail2ban expands it. */
function fail2banRegex(): RegExp {
  const doc = readFileSync(new URL("../../docs/security.md", import.meta.url), "utf8");
  const line = /^failregex = (.+)$/m.exec(doc)?.[1];
  assert.ok(line !== undefined, "docs/security.md has a failregex");
  return new RegExp(line.replace("<ADDR>", "(?<host>[0-9a-fA-F:.]+)"));
}

test("per address: past limit_auth_max failures the address is refused without an API call", async () => {
  await withServer({ limit_auth_max: 3, limit_auth_period: 60, http_ports: [0] }, async (srv, api) => {
    for (let i = 0; i < 3; i++)
      assert.equal((await attempt(srv, "alice", `guess${i}`, "127.0.0.7")).condition, "not-authorized");
    const refused = await attempt(srv, "alice", "wonderland", "127.0.0.7");
    assert.equal(refused.condition, "temporary-auth-failure");
    assert.match(refused.text, /from your address; try again in \d+ s/);
    assert.equal(checks(api).length, 3, "the refused attempt reached the API");
    // Another address is not affected, and neither is the account (per-address first).
    assert.equal((await attempt(srv, "alice", "wonderland", "127.0.0.8")).condition, "success");
    // The log lines fail2ban reads name the guesser's address, and never the password.
    const re = fail2banRegex();
    const hits = srv.logs.filter((l) => re.test(l)).map((l) => re.exec(l)?.groups?.host);
    assert.deepEqual(hits, ["127.0.0.7", "127.0.0.7", "127.0.0.7", "127.0.0.7"]);
    assert.ok(!srv.logs.some((l) => l.includes("guess") || l.includes("wonderland")));
    // Operators see the refusal on /metrics, without an address or a name.
    const metrics = await (await fetch(`http://127.0.0.1:${srv.httpPort}/metrics`)).text();
    assert.match(metrics, /xha_login_limit_refused_total\{limit="ip"\} 1\n/);
    assert.match(metrics, /xha_login_limit_tracked\{limit="ip"\} 1\n/);
    assert.ok(!metrics.includes("127.0.0.7") && !metrics.includes("alice"));
  });
});

test("parallel guesses on many connections cannot outrun the limit (checks in flight count)", async () => {
  await withServer({ limit_auth_max: 5, limit_auth_period: 60, sasl_max_failures: 1 }, async (srv, api) => {
    const passwords = Array.from({ length: 30 }, (_, i) => (i === 17 ? "wonderland" : `guess${i}`));
    const results = await Promise.all(passwords.map((p) => attempt(srv, "alice", p, "127.0.0.9")));
    const wrongChecked = checks(api).filter((r) => r.params.pass !== "wonderland").length;
    assert.ok(wrongChecked <= 5, `${wrongChecked} wrong passwords were verified`);
    const tally = new Map<string, number>();
    for (const r of results) tally.set(r.condition, (tally.get(r.condition) ?? 0) + 1);
    // Every connection got an answer; only the limit's two conditions and at most one success.
    assert.equal(results.length, 30);
    assert.ok((tally.get("success") ?? 0) <= 1);
    assert.equal(tally.get("not-authorized"), wrongChecked);
    assert.equal((tally.get("temporary-auth-failure") ?? 0) + wrongChecked + (tally.get("success") ?? 0), 30);
  });
});

test("per account: a distributed guesser locks the account, but not for an address it was used from", async () => {
  const opts = { limit_auth_max: 100, limit_auth_account_max: 3, limit_auth_account_period: 60 };
  await withServer(opts, async (srv, api) => {
    // The owner logs in from home.
    assert.equal((await attempt(srv, "alice", "wonderland", "127.0.1.1")).condition, "success");
    // Guesses from three addresses, each well under the per-address limit.
    for (const from of ["127.0.2.1", "127.0.2.2", "127.0.2.3"])
      assert.equal((await attempt(srv, "ALICE", "nope", from)).condition, "not-authorized");
    const before = checks(api).length;
    // The right password from a new address is refused: the account is locked…
    const locked = await attempt(srv, "alice", "wonderland", "127.0.2.4");
    assert.equal(locked.condition, "account-disabled");
    assert.match(locked.text, /for this account/);
    assert.equal(checks(api).length, before);
    // …but the owner, from the address they logged in from, gets in; other accounts are untouched.
    assert.equal((await attempt(srv, "alice", "wonderland", "127.0.1.1")).condition, "success");
    assert.equal((await attempt(srv, "bob", "builder", "127.0.2.4")).condition, "success");
    assert.ok(srv.logs.some((l) => l.includes('"limit":"account"') && l.includes("login limit reached")));
  });
});

test("backend trouble is not a failed guess, and successes leave nothing behind", async () => {
  await withServer({ limit_auth_max: 2, limit_auth_period: 60 }, async (srv, api) => {
    api.fault = "500";
    for (let i = 0; i < 4; i++)
      assert.equal((await attempt(srv, "alice", "wonderland")).condition, "temporary-auth-failure");
    api.fault = "none";
    for (let i = 0; i < 4; i++)
      assert.equal((await attempt(srv, "alice", "wonderland")).condition, "success");
    assert.deepEqual(srv.server.ctx.loginLimiter.sizes, { ips: 0, accounts: 0, known: 1 });
  });
});

test("limit_auth_tarpit_delay holds a refused answer back", async () => {
  await withServer({ limit_auth_max: 1, limit_auth_tarpit_delay: 0.6 }, async (srv) => {
    assert.equal((await attempt(srv, "alice", "x", "127.0.3.1")).condition, "not-authorized");
    const t0 = performance.now();
    assert.equal((await attempt(srv, "alice", "x", "127.0.3.1")).condition, "temporary-auth-failure");
    assert.ok(performance.now() - t0 >= 550);
  });
});

test("failures from many distinct addresses keep the tables within limit_auth_max_entries", async () => {
  const opts = {
    proxy_port_mappings: { "0": "c2s" },
    limit_auth_max_entries: 100,
    limit_auth_account_max: 0,
    c2s_require_encryption: false,
    allow_unencrypted_plain_auth: true,
  };
  await withServer(opts, async (srv, api) => {
    const port = srv.server.listeners.find((l) => l.kind === "proxy_c2s")?.address.port ?? 0;
    const guess = async (i: number) => {
      const src = `198.18.${i >> 8}.${i & 255}`;
      const c = await RawClient.connect(port, {
        preamble: Buffer.from(`PROXY TCP4 ${src} 127.0.0.1 40000 5222\r\n`),
      });
      c.open();
      await c.waitFor("</stream:features>");
      c.write(
        `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain("alice", "x")}</auth>`,
      );
      await c.waitFor("<not-authorized/>");
      c.destroy();
    };
    for (let i = 0; i < 300; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => guess(i + j)));
    assert.equal(checks(api).length, 300, "each address had its own budget");
    const { ips } = srv.server.ctx.loginLimiter.sizes;
    assert.ok(ips <= 100, `${ips} addresses tracked`);
    assert.ok(ips >= 90, `${ips}: the newest are kept`);
  });
});

/** fail2ban-regex, when this machine has fail2ban (Debian: apt-get install fail2ban). */
function fail2banRegexCommand(): string | undefined {
  try {
    execFileSync("fail2ban-regex", ["--version"], { stdio: "ignore" });
    return "fail2ban-regex";
  } catch {
    return undefined;
  }
}

const f2b = fail2banRegexCommand();

test(
  "fail2ban itself, with the filter of docs/security.md, finds the guesser in the server's log",
  { skip: f2b === undefined ? "fail2ban-regex is not installed" : false },
  async () => {
    const doc = readFileSync(new URL("../../docs/security.md", import.meta.url), "utf8");
    const filter = /```ini\n(\[Definition\][\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(filter !== undefined, "docs/security.md has a [Definition] block");
    await withServer({ limit_auth_max: 2 }, async (srv) => {
      for (const from of ["127.0.0.21", "127.0.0.21", "127.0.0.21", "127.0.0.22"])
        await attempt(srv, "alice", "nope", from);
      await attempt(srv, "alice", "wonderland", "127.0.0.23");
      const dir = mkdtempSync(join(tmpdir(), "xha-f2b-"));
      try {
        writeFileSync(join(dir, "filter.conf"), filter);
        writeFileSync(join(dir, "server.log"), `${srv.logs.join("\n")}\n`);
        const out = execFileSync(
          f2b as string,
          ["--out", "ip", join(dir, "server.log"), join(dir, "filter.conf")],
          {
            encoding: "utf8",
          },
        );
        // Two wrong passwords and one refusal from .21, one wrong password from .22, nothing for .23.
        assert.deepEqual(out.trim().split("\n"), ["127.0.0.21", "127.0.0.21", "127.0.0.21", "127.0.0.22"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
