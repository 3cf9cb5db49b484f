// The HTTP auth provider against a real local HTTP server: request shape of each method and the
// meaning given to each answer (docs/http-auth-protocol.md).
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { isXhaError } from "../../src/errors.ts";
import { silentLogger } from "../../src/log.ts";
import { USER_AGENT } from "../../src/version.ts";
import { createHttpMetrics } from "../../src/auth/http/metrics.ts";
import type { HttpProviderOptions } from "../../src/auth/http/provider.ts";
import type { AuthProvider } from "../../src/auth/provider.ts";
import { providerMaker } from "../helpers/providers.ts";
import { answer, header, startRecorder, type Recorded, type Recorder } from "../helpers/http-recorder.ts";

const BASIC = "Basic " + Buffer.from("prosody:secret").toString("base64");

let rec: Recorder;

const providers = providerMaker(() => ({
  url: `${rec.origin}/auth`,
  host: "example.com",
  credentials: "prosody:secret",
  logger: silentLogger(),
}));
const provider = (extra: Partial<HttpProviderOptions> = {}): AuthProvider => providers.make(extra);

function last(): Recorded {
  const r = rec.requests.at(-1);
  assert.ok(r, "the server got a request");
  return r;
}

function assertGet(r: Recorded, path: string, query: string): void {
  assert.equal(r.method, "GET");
  assert.equal(r.path, path);
  assert.equal(r.rawQuery, query);
  assert.equal(r.body, "");
  assert.equal(header(r, "content-type"), undefined);
  assert.equal(header(r, "content-length"), undefined);
  assert.equal(header(r, "transfer-encoding"), undefined);
  assert.equal(header(r, "user-agent"), USER_AGENT);
  assert.match(USER_AGENT, /^xmpp-http-auth\/\d+\.\d+\.\d+/);
}

function assertPost(r: Recorded, path: string, body: string): void {
  assert.equal(r.method, "POST");
  assert.equal(r.path, path);
  assert.equal(r.rawQuery, undefined, "no query string on POST");
  assert.equal(r.body, body);
  assert.equal(header(r, "content-type"), "application/x-www-form-urlencoded");
  assert.equal(header(r, "content-length"), String(Buffer.byteLength(body)));
  assert.equal(header(r, "user-agent"), USER_AGENT);
}

before(async () => {
  rec = await startRecorder();
});
beforeEach(() => {
  rec.requests.length = 0;
  rec.setHandler(answer(200, "true"));
});
after(async () => {
  await providers.closeAll();
  await rec.close();
});

void describe("http provider: requests", () => {
  void it("check_password: GET with the query, Basic auth, our User-Agent; true/false", async () => {
    const p = provider();
    assert.deepEqual(await p.checkPassword("alice", "wonderland"), { outcome: "ok" });
    assertGet(last(), "/auth/check_password", "user=alice&pass=wonderland&server=example.com");
    assert.equal(header(last(), "authorization"), BASIC);
    rec.setHandler(answer(200, "false"));
    assert.deepEqual(await p.checkPassword("alice", "WRONG"), { outcome: "false" });
  });

  void it("user_exists: GET without pass; true/false", async () => {
    const p = provider();
    assert.deepEqual(await p.userExists("bob"), { outcome: "ok" });
    assertGet(last(), "/auth/user_exists", "user=bob&server=example.com");
    assert.equal(header(last(), "authorization"), BASIC);
    rec.setHandler(answer(200, "false"));
    assert.deepEqual(await p.userExists("ghost"), { outcome: "false" });
  });

  void it("register: POST form body, no query; 201 ok, 409 conflict, 501 unsupported, 200/500 errors", async () => {
    const p = provider();
    rec.setHandler(answer(201));
    assert.deepEqual(await p.register("dave", "d4ve"), { outcome: "ok" });
    assertPost(last(), "/auth/register", "user=dave&pass=d4ve&server=example.com");
    assert.equal(header(last(), "authorization"), BASIC);
    rec.setHandler(answer(409, "exists"));
    assert.deepEqual(await p.register("bob", "pw"), { outcome: "conflict" });
    rec.setHandler(answer(501));
    assert.deepEqual(await p.register("bob", "pw"), { outcome: "unsupported" });
    rec.setHandler(answer(200, "true"));
    assert.deepEqual(await p.register("x", "pw"), {
      outcome: "backend-error",
      reason: "status",
      status: 200,
    });
    rec.setHandler(answer(500, "oops"));
    assert.deepEqual(await p.register("x", "pw"), {
      outcome: "backend-error",
      reason: "status",
      status: 500,
    });
  });

  void it("set_password: POST with the new password; 200/201/204 ok, 409 is not a conflict here", async () => {
    const p = provider();
    for (const status of [200, 201, 204]) {
      rec.setHandler(answer(status));
      assert.deepEqual(await p.setPassword("dave", "n3w pass&=+%"), { outcome: "ok" }, `status ${status}`);
    }
    assertPost(last(), "/auth/set_password", "user=dave&pass=n3w+pass%26%3d%2b%25&server=example.com");
    rec.setHandler(answer(501));
    assert.deepEqual(await p.setPassword("dave", "x"), { outcome: "unsupported" });
    rec.setHandler(answer(409));
    assert.deepEqual(await p.setPassword("dave", "x"), {
      outcome: "backend-error",
      reason: "status",
      status: 409,
    });
  });

  void it("remove_user: POST without pass; 200/201/204 ok, 501 unsupported, 500 error", async () => {
    const p = provider();
    for (const status of [200, 201, 204]) {
      rec.setHandler(answer(status));
      assert.deepEqual(await p.removeUser("dave"), { outcome: "ok" }, `status ${status}`);
    }
    assertPost(last(), "/auth/remove_user", "user=dave&server=example.com");
    rec.setHandler(answer(501));
    assert.deepEqual(await p.removeUser("dave"), { outcome: "unsupported" });
    rec.setHandler(answer(500));
    assert.deepEqual(await p.removeUser("dave"), { outcome: "backend-error", reason: "status", status: 500 });
  });

  void it("501 from a mandatory method is a backend error, not a no", async () => {
    const p = provider();
    rec.setHandler(answer(501, "false"));
    assert.deepEqual(await p.checkPassword("a", "b"), {
      outcome: "backend-error",
      reason: "status",
      status: 501,
    });
    assert.deepEqual(await p.userExists("a"), { outcome: "backend-error", reason: "status", status: 501 });
    rec.setHandler(answer(404, "true"));
    assert.deepEqual(await p.checkPassword("a", "b"), {
      outcome: "backend-error",
      reason: "status",
      status: 404,
    });
  });

  void it("without credentials there is no Authorization header at all", async () => {
    const p = provider({ credentials: undefined });
    await p.checkPassword("carol", "c4rol");
    assert.equal(header(last(), "authorization"), undefined);
    rec.setHandler(answer(201));
    await p.register("carol", "c4rol");
    assert.equal(header(last(), "authorization"), undefined);
  });

  void it("expands $host and drops one trailing slash", async () => {
    const p = provider({ url: `${rec.origin}/api/$host/`, host: "hostsub.test", credentials: undefined });
    assert.deepEqual(await p.checkPassword("carol", "c4rol"), { outcome: "ok" });
    assertGet(last(), "/api/hostsub.test/check_password", "user=carol&pass=c4rol&server=hostsub.test");
  });

  void it("encodes UTF-8 and reserved characters as Prosody does", async () => {
    const p = provider();
    await p.checkPassword("eve", "p äss&=+/?%");
    assert.equal(last().rawQuery, "user=eve&pass=p+%c3%a4ss%26%3d%2b%2f%3f%25&server=example.com");
    await p.checkPassword("zoë", "x y");
    assert.equal(last().rawQuery, "user=zo%c3%ab&pass=x+y&server=example.com");
    rec.setHandler(answer(201));
    await p.register("eve", "p äss&=+/?%");
    assert.equal(last().body, "user=eve&pass=p+%c3%a4ss%26%3d%2b%2f%3f%25&server=example.com");
  });

  void it("an empty password is refused without asking the API", async () => {
    const p = provider();
    assert.deepEqual(await p.checkPassword("alice", ""), { outcome: "false" });
    assert.equal(rec.requests.length, 0);
  });

  void it("declares its capabilities and name", () => {
    const p = provider();
    assert.equal(p.name, "http");
    assert.deepEqual(p.capabilities, {
      plaintext: true,
      scram: true,
      register: true,
      setPassword: true,
      removeUser: true,
    });
  });
});

void describe("http provider: connections and metrics", () => {
  void it("keeps connections alive: 20 sequential calls use one TCP connection", async () => {
    const metrics = createHttpMetrics();
    const before = rec.connections();
    const p = provider({ metrics });
    for (let i = 0; i < 20; i++) {
      assert.deepEqual(await p.checkPassword("alice", "wonderland"), { outcome: "ok" });
    }
    // Prosody would open 20. undici marks a connection free a tick after its answer ends, so a
    // request issued at once may take a second pooled connection; the two then alternate.
    const opened = rec.connections() - before;
    assert.ok(opened >= 1 && opened <= 2, `opened ${opened} connections`);
    assert.equal(new Set(rec.requests.map((r) => r.connection)).size, opened);
    const snap = metrics.snapshot();
    assert.equal(snap.connectionsOpened, opened);
    assert.equal(snap.connectionsOpen, opened);
    assert.equal(snap.calls.length, 1);
    assert.equal(snap.calls[0]?.count, 20);
    assert.equal(snap.calls[0]?.method, "check_password");
    assert.equal(snap.calls[0]?.outcome, "ok");
  });

  void it("bounds concurrent connections by maxConnections", async () => {
    const before = rec.connections();
    const p = provider({ maxConnections: 2 });
    const results = await Promise.all(Array.from({ length: 10 }, () => p.userExists("bob")));
    assert.ok(results.every((r) => r.outcome === "ok"));
    assert.ok(rec.connections() - before <= 2, `opened ${rec.connections() - before}`);
  });

  void it("counts outcomes and reasons and renders Prometheus text", async () => {
    const metrics = createHttpMetrics();
    const p = provider({ metrics });
    await p.checkPassword("a", "b");
    rec.setHandler(answer(200, "TRUE"));
    await p.checkPassword("a", "b");
    rec.setHandler(answer(409));
    await p.register("a", "b");
    const calls = metrics.snapshot().calls.map((c) => `${c.method}/${c.outcome}/${c.reason}/${c.count}`);
    assert.deepEqual(calls, [
      "check_password/backend-error/bad-body/1",
      "check_password/ok//1",
      "register/conflict//1",
    ]);
    const text = metrics.toPrometheus();
    assert.match(text, /^xha_http_auth_requests_total\{method="register",outcome="conflict"\} 1$/m);
    assert.match(
      text,
      /^xha_http_auth_request_duration_seconds_count\{method="check_password",outcome="backend-error",reason="bad-body"\} 1$/m,
    );
    assert.match(text, /^xha_http_auth_request_duration_seconds_bucket\{.*le="\+Inf"\} 1$/m);
    assert.match(text, /^xha_http_auth_connections_opened_total [12]$/m);
    assert.doesNotMatch(text, /alice|pass=|Basic/);
  });
});

void describe("http provider: options", () => {
  void it("rejects bad options up front with XHA_CONFIG_INVALID", () => {
    const bad: Array<Partial<HttpProviderOptions>> = [
      { url: "ftp://127.0.0.1/auth" },
      { url: "not a url" },
      { url: "http://u:p@127.0.0.1/auth" },
      { url: "http://127.0.0.1/auth?key=1" },
      { timeoutMs: 0 },
      { maxConnections: -1 },
      { maxBodyBytes: 1.5 },
      { host: "" },
    ];
    for (const extra of bad) {
      assert.throws(
        () => provider(extra),
        (err: unknown) => isXhaError(err, "XHA_CONFIG_INVALID") && !err.message.includes("u:p"),
        JSON.stringify(extra),
      );
    }
  });
});
