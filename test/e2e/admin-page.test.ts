// The admin page (issue 15 item 9) in a real browser: Debian's chromium via playwright-core, against
// the real server, authd (in the same process, as `start` runs it) and a second host whose API is
// down. It shows sessions per host, API failures by reason with the latency chart, and lockouts, and
// adds, resets, deletes and unlocks accounts. The guard is checked with plain HTTP requests.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createServer as netServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuthd, type Authd } from "../../src/authd/service.ts";
import { EMBEDDED_CONFIG_NAME, parseAuthdConfig } from "../../src/authd/config.ts";
import { authdAccounts } from "../../src/admin/accounts.ts";
import { startAdminServer, type AdminServer } from "../../src/admin/admin-server.ts";
import { silentLogger } from "../../src/log.ts";
import { createApiHealth } from "../../src/admin/api-health.ts";
import { createXmppServer } from "../../src/server.ts";
import { parseServerConfig } from "../../src/config/load.ts";
import { startServer, type TestServer } from "../helpers/xmpp-server.ts";
import { TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { ChatClient } from "../helpers/chat-client.ts";
import { ARTIFACTS_DIR, launchChromium } from "../helpers/chromium.ts";

const CREDENTIALS = "xmpp:admin-page-test-secret";
const TOKEN = "a-token-of-twenty-chars";
let dir: string;
let authd: Authd;
let srv: TestServer;
let admin: AdminServer;
let tokenAdmin: AdminServer;
let deadPort: number;

/** A port nothing listens on: the second host's API is "down". */
async function closedPort(): Promise<number> {
  const s = netServer().listen(0, "127.0.0.1");
  await new Promise((r) => s.once("listening", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "xha-admin-"));
  authd = await createAuthd({
    config: parseAuthdConfig(
      {
        port: 0,
        credentials: CREDENTIALS,
        domains: ["localhost"],
        argon2_memory_kib: 1024,
        argon2_iterations: 1,
        lockout_max_failures: 3,
        lockout_base_seconds: 600,
        lockout_max_seconds: 600,
      },
      EMBEDDED_CONFIG_NAME,
      { dataPath: dir },
    ),
  });
  deadPort = await closedPort();
  srv = await startServer({
    certificate: TEST_CERT,
    key: TEST_KEY,
    hosts: {
      localhost: { http_auth_url: authd.url, http_auth_credentials: CREDENTIALS, allow_registration: true },
      "example.net": { http_auth_url: `http://127.0.0.1:${deadPort}/auth`, http_auth_timeout: 1 },
    },
  });
  const accounts = authdAccounts(authd.accounts);
  admin = await startAdminServer({
    config: { interfaces: ["127.0.0.1"], port: 0, token: undefined },
    server: srv.server,
    accounts,
    logger: silentLogger(),
  });
  tokenAdmin = await startAdminServer({
    config: { interfaces: ["127.0.0.1"], port: 0, token: TOKEN },
    server: srv.server,
    logger: silentLogger(),
  });
});

after(async () => {
  await admin.close();
  await tokenAdmin.close();
  await srv.stop();
  await authd.close();
  rmSync(dir, { recursive: true, force: true });
});

function raw(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? "GET", headers: opts.headers ?? {} }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

test("the API refuses what a cross-site page or a rebinding DNS name could send", async () => {
  const api = `${admin.url}api/overview`;
  assert.equal((await raw(api)).status, 401, "no token header");
  assert.equal((await raw(api, { headers: { "X-Admin-Token": "loopback" } })).status, 200);
  const rebound = await raw(api, { headers: { "X-Admin-Token": "x", Host: "evil.example:80" } });
  assert.equal(rebound.status, 403);
  const form = await raw(`${admin.url}api/accounts/delete`, {
    method: "POST",
    headers: { "X-Admin-Token": "x", "Content-Type": "text/plain" },
    body: JSON.stringify({ jid: "x@localhost" }),
  });
  assert.equal(form.status, 415, "a simple (non-JSON) POST is refused");
  const tokenApi = `${tokenAdmin.url}api/overview`;
  assert.equal(
    (await raw(tokenApi, { headers: { "X-Admin-Token": "wrong-token-wrong-token" } })).status,
    401,
  );
  const ok = await raw(tokenApi, { headers: { "X-Admin-Token": TOKEN } });
  assert.equal(ok.status, 200);
  // Without authd in the process, accounts are not offered; nothing secret is in the overview.
  assert.equal((JSON.parse(ok.body) as { accounts: { available: boolean } }).accounts.available, false);
  assert.doesNotMatch(ok.body, /admin-page-test-secret|\/auth/);
  const page = await raw(tokenAdmin.url);
  assert.equal(page.status, 200);
  assert.doesNotMatch(page.body, new RegExp(TOKEN));
});

test("the admin page in chromium: sessions, API health with its chart, lockouts, and account actions", async (t) => {
  const browser = await launchChromium(t);
  if (browser === undefined) return;
  const accounts = authdAccounts(authd.accounts);
  assert.deepEqual(await accounts.add("alice@localhost", "alice-pw"), { ok: true });
  assert.deepEqual(await accounts.add("mallory@localhost", "mallory-pw"), { ok: true });
  const alice = await ChatClient.login(srv.port, "alice", "alice-pw");
  // Three wrong passwords lock mallory out; a host whose API is down fails with "refused".
  const localhost = srv.server.ctx.hosts.get("localhost")!;
  for (let i = 0; i < 3; i++) await localhost.provider.checkPassword("mallory", "wrong");
  const down = await srv.server.ctx.hosts.get("example.net")!.provider.checkPassword("x", "y");
  assert.equal(down.outcome, "backend-error");
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    // A CSP violation (an inline script or style slipping in) shows up as a console error.
    page.on("console", (m) => {
      if (m.type() === "error" && !/409|Conflict/.test(m.text())) errors.push(m.text());
    });
    page.on("dialog", (d) => void d.accept());
    await page.goto(admin.url);
    await page.waitForSelector("body[data-loaded=true]");
    const card = page.locator('article[data-host="localhost"]');
    await assert.doesNotReject(card.getByText("sessions online").waitFor());
    assert.match(await card.innerText(), /^1\s*sessions online/m);
    const downCard = page.locator('article[data-host="example.net"]');
    assert.match(await downCard.innerText(), /Failures by reason: refused 1/);
    assert.equal(await card.locator("svg polyline[data-series=p50]").count(), 1, "the latency chart");
    assert.match(await page.locator("#locked").innerText(), /mallory@localhost until/);
    await page.screenshot({ path: join(ARTIFACTS_DIR, "admin-page.png"), fullPage: true });

    // Add bob, reset his password, log in with it, then delete him.
    await page.fill("#add-jid", "bob@localhost");
    await page.fill("#add-password", "first-pw");
    await page.click("#add-form button");
    await page.waitForSelector('tr[data-jid="bob@localhost"]');
    assert.equal(await authd.accounts.backend.checkPassword("bob", "localhost", "first-pw"), true);
    await page.fill('tr[data-jid="bob@localhost"] input', "second-pw");
    await page.click('tr[data-jid="bob@localhost"] >> text=Reset password');
    await page.waitForSelector("#status:has-text('password bob@localhost: done')");
    const bob = await ChatClient.login(srv.port, "bob", "second-pw");
    await bob.stop();
    await page.click('tr[data-jid="bob@localhost"] >> text=Delete');
    await page.waitForSelector('tr[data-jid="bob@localhost"]', { state: "detached" });
    assert.equal(await authd.accounts.backend.userExists("bob", "localhost"), false);

    // Search narrows the list; unlocking mallory lets the right password in again.
    await page.fill("#search", "mall");
    await page.locator('tr[data-jid="alice@localhost"]').waitFor({ state: "detached" });
    assert.equal(await page.locator("#account-table tbody tr").count(), 1);
    await page.click('#locked li[data-jid="mallory@localhost"] button');
    await page.waitForSelector("#locked >> text=nobody");
    assert.equal(await authd.accounts.backend.checkPassword("mallory", "localhost", "mallory-pw"), true);

    // A failed action shows its reason and changes nothing.
    await page.fill("#add-jid", "alice@localhost");
    await page.fill("#add-password", "whatever");
    await page.click("#add-form button");
    await page.waitForSelector("#status:has-text('already exists')");
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await alice.stop();
    await browser.close();
  }
});

test("with a token, the page asks for it and keeps it in the tab only", async (t) => {
  const browser = await launchChromium(t);
  if (browser === undefined) return;
  try {
    const page = await browser.newPage();
    await page.goto(tokenAdmin.url);
    await page.waitForSelector("#token-form:not([hidden])");
    await page.fill("#token", TOKEN);
    await page.click("#token-form button");
    await page.waitForSelector("body[data-loaded=true]");
    assert.equal(await page.locator("#no-accounts").isVisible(), true);
    assert.deepEqual(await page.context().cookies(), []);
    await page.screenshot({ path: join(ARTIFACTS_DIR, "admin-page-token.png"), fullPage: true });
    await page.close();
  } finally {
    await browser.close();
  }
});

test("the chart draws an hour of per-minute percentiles, gaps left out", async (t) => {
  const browser = await launchChromium(t);
  if (browser === undefined) return;
  let now = Date.UTC(2026, 0, 1, 12, 0, 0);
  const apiHealth = createApiHealth(() => now);
  const server = createXmppServer({
    config: parseServerConfig(
      { data_path: dir, hosts: { "chart.example": { http_auth_url: "http://127.0.0.1:9/auth" } } },
      "chart.toml",
    ),
    logger: silentLogger(),
    apiHealth,
  });
  const page = await startAdminServer({
    config: { interfaces: ["127.0.0.1"], port: 0, token: undefined },
    server,
    logger: silentLogger(),
  });
  // An hour of traffic with a slow spell, a quiet quarter of an hour and a few timeouts.
  for (let minute = 0; minute < 60; minute++) {
    if (minute >= 20 && minute < 35) {
      now += 60_000;
      continue;
    }
    const slowSpell = minute >= 40 && minute < 48;
    for (let i = 0; i < 40; i++) {
      const seconds = slowSpell ? [0.02, 0.05, 0.2, 0.4][i % 4]! : [0.002, 0.004, 0.008, 0.02][i % 4]!;
      apiHealth.observe("chart.example", { method: "check_password", outcome: "ok", reason: "" }, seconds);
    }
    if (minute % 17 === 5)
      apiHealth.observe(
        "chart.example",
        { method: "check_password", outcome: "backend-error", reason: "timeout" },
        5,
      );
    now += 60_000;
  }
  now -= 60_000;
  try {
    const tab = await browser.newPage({ viewport: { width: 900, height: 500 } });
    await tab.goto(page.url);
    await tab.waitForSelector("body[data-loaded=true]");
    // Two runs of minutes with calls (the quiet quarter of an hour breaks the line): 20 and 25 points.
    const runs: number[] = [];
    for (const line of await tab.locator("svg polyline[data-series=p90]").all())
      runs.push(((await line.getAttribute("points")) ?? "").trim().split(/\s+/).length);
    assert.deepEqual(runs, [20, 25]);
    assert.equal(await tab.locator("svg circle").count(), 45 * 3);
    assert.match(await tab.locator("article").innerText(), /Failures by reason: timeout 3/);
    await tab.screenshot({ path: join(ARTIFACTS_DIR, "admin-page-chart.png"), fullPage: true });
  } finally {
    await page.close();
    await server.stop();
    await browser.close();
  }
});
