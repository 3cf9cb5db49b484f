// authd against real Prosody's recorded requests (test/fixtures/prosody-wire/scenarios-wire.jsonl):
// every request to /auth/ is replayed byte for byte over a raw TCP socket (request line, headers in
// their order, Prosody's `application/x/www-form-urlencoded` body), in the recorded order, against
// authd seeded with the recordings' users; each answer must be what a correct service gives, which
// a small model of the accounts computes (not what the recorder was told to answer).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { test } from "node:test";
import { createStoreBackend } from "../../src/authd/store-backend.ts";
import { createPasswordHasher } from "../../src/authd/password-hasher.ts";
import { openStore } from "../../src/authd/store/open.ts";
import { SMALL_ARGON2, startTestAuthd } from "../unit/authd-helpers.ts";

// Prosody's recorded requests, kept in the repository (see test/fixtures/prosody-wire/README.md).
const WIRE = new URL("../fixtures/prosody-wire/scenarios-wire.jsonl", import.meta.url);

interface WireRecord {
  readonly request_line: string;
  readonly path: string;
  readonly query_params: ReadonlyArray<[string, string]>;
  readonly headers: ReadonlyArray<[string, string]>;
  readonly body: string;
  readonly body_params: ReadonlyArray<[string, string]>;
  readonly method_name: string;
}

/** The accounts the recordings assume existed before the first request (example.com). */
const SEED: Record<string, string> = {
  alice: "wonderland",
  bob: "builder",
  eve: "p äss&=+/?%",
  zoë: "x y",
};

interface RawAnswer {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** Sends the bytes as they are and reads one response (Content-Length framed). */
function rawExchange(port: number, bytes: Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let data = Buffer.alloc(0);
    socket.on("error", reject);
    socket.on("data", (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf("\r\n\r\n");
      if (end === -1) return;
      const [statusLine, ...lines] = data.subarray(0, end).toString("latin1").split("\r\n");
      const headers = new Map(
        lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
      );
      const length = Number(headers.get("content-length"));
      if (data.length < end + 4 + length) return;
      socket.end();
      resolve({
        status: Number(statusLine!.split(" ")[1]),
        headers,
        body: data.subarray(end + 4, end + 4 + length).toString("utf8"),
      });
    });
    socket.write(bytes);
  });
}

function toBytes(r: WireRecord): Buffer {
  const head = [r.request_line, ...r.headers.map(([k, v]) => `${k}: ${v}`)].join("\r\n") + "\r\n\r\n";
  return Buffer.concat([Buffer.from(head, "latin1"), Buffer.from(r.body, "utf8")]);
}

/** What a correct service answers, given the accounts so far (updated as writes succeed). */
function expected(r: WireRecord, accounts: Map<string, string>): { status: number; body: string } {
  const p = new Map([...r.query_params, ...r.body_params]);
  const user = p.get("user")!;
  const pass = p.get("pass");
  const exists = accounts.has(user);
  switch (r.method_name) {
    case "check_password":
      return { status: 200, body: String(exists && accounts.get(user) === pass) };
    case "user_exists":
      return { status: 200, body: String(exists) };
    case "register":
      if (exists) return { status: 409, body: "exists" };
      accounts.set(user, pass!);
      return { status: 201, body: "" };
    case "set_password":
      if (!exists) return { status: 404, body: "no such user" };
      accounts.set(user, pass!);
      return { status: 200, body: "" };
    case "remove_user":
      if (!exists) return { status: 404, body: "no such user" };
      accounts.delete(user);
      return { status: 200, body: "" };
    default:
      throw new Error(`unexpected method ${r.method_name}`);
  }
}

interface Target {
  readonly port: number;
  readonly accounts: Map<string, string>;
}

/** authd as Prosody's configuration addressed it, seeded through the backend authd uses. */
async function target(
  t: Parameters<typeof startTestAuthd>[0],
  table: Record<string, unknown>,
  domain: string,
  seed: Record<string, string>,
): Promise<Target> {
  const { authd, config } = await startTestAuthd(t, { ...table, domains: [domain] });
  const store = await openStore(config.database);
  const backend = createStoreBackend({ store, hasher: await createPasswordHasher(SMALL_ARGON2) });
  for (const [user, pass] of Object.entries(seed))
    assert.equal(await backend.register(user, domain, pass), "created");
  await store.close();
  return { port: Number(new URL(authd.url).port), accounts: new Map(Object.entries(seed)) };
}

void test("Prosody's recorded requests, replayed in order against authd", async (t) => {
  const records = readFileSync(WIRE, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as WireRecord);
  assert.ok(records.length > 40, "the recordings are there");

  // http_auth_url = "http://…/auth" with credentials, and, for hostsub.test, ".../api/$host/" without.
  const targets = new Map<string, Target>([
    ["/auth/", await target(t, { credentials: "prosody:secret" }, "example.com", SEED)],
    [
      "/api/hostsub.test/",
      await target(t, { path: "/api/hostsub.test" }, "hostsub.test", { carol: "c4rol" }),
    ],
  ]);
  let replayed = 0;
  for (const [i, r] of records.entries()) {
    const name = `#${i + 1} ${r.request_line.split("?")[0]} ${r.body_params.length > 0 ? "(form body)" : ""}`;
    const prefix = [...targets.keys()].find((p) => r.path.startsWith(p));
    if (prefix === undefined) {
      const host = r.path.split("/")[1];
      await t.test(
        name,
        { skip: `/${host}: a recorder host that misbehaves on purpose, not a service answer` },
        () => {},
      );
      continue;
    }
    const { port, accounts } = targets.get(prefix)!;
    await t.test(name, async () => {
      const want = expected(r, accounts);
      const got = await rawExchange(port, toBytes(r));
      assert.deepEqual({ status: got.status, body: got.body }, want);
      assert.equal(got.headers.get("content-type"), "text/plain; charset=utf-8");
      assert.equal(got.headers.get("content-length"), String(Buffer.byteLength(got.body)));
    });
    replayed++;
  }
  assert.equal(
    replayed,
    records.filter((r) => r.path.startsWith("/auth/") || r.path.startsWith("/api/")).length,
  );
  // The recorded writes took effect: dave came and went, frank, gina and hank were registered
  // (a correct service says 201 where the recorder was told to say 200/409/501), bob was removed.
  assert.deepEqual([...targets.get("/auth/")!.accounts.keys()].sort(), [
    "alice",
    "eve",
    "frank",
    "gina",
    "hank",
    "zoë",
  ]);
});
