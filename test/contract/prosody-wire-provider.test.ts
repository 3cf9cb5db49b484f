// Our provider against real Prosody's recorded requests (test/fixtures/prosody-wire/): for every
// recorded request, make the same call and check an API would see the same request, and that our
// outcome is Prosody's except where the spec says we deliberately differ.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { silentLogger } from "../../src/log.ts";
import { USER_AGENT } from "../../src/version.ts";
import {
  FORM_CONTENT_TYPE,
  PARAM_ORDER,
  PROSODY_FORM_CONTENT_TYPE,
  isMethod,
  type Method,
} from "../../src/auth/http/protocol.ts";
import { createHttpProvider } from "../../src/auth/http/provider.ts";
import type { AuthProvider } from "../../src/auth/provider.ts";
import {
  header,
  startRecorder,
  type Handler,
  type Recorded,
  type Recorder,
} from "../helpers/http-recorder.ts";

// Prosody's recorded requests, kept in the repository (see test/fixtures/prosody-wire/README.md).
const WIRE = new URL("../fixtures/prosody-wire/scenarios-wire.jsonl", import.meta.url);

interface WireRecord {
  readonly http_method: string;
  readonly path: string;
  readonly raw_query: string;
  readonly query_params: ReadonlyArray<[string, string]>;
  readonly headers: ReadonlyArray<[string, string]>;
  readonly body: string;
  readonly body_params: ReadonlyArray<[string, string]>;
  readonly method_name: string;
  readonly auth: string;
  readonly status: number;
  readonly response_body: string;
}

const PROSODY_UA = "Prosody XMPP Server";
const PROSODY_AUTHORITY = "127.0.0.1:23580";
/** Short for the sleep60 replay; generous otherwise (the first request also compiles undici's parser). */
const HANG_TIMEOUT = 300;
const TIMEOUT = 5000;
/** Recorder paths that misbehave on purpose (README.md). */
const MISBEHAVING = ["status500", "sleep60", "truenl", "upper", "chunked"];

const records: WireRecord[] = readFileSync(WIRE, "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as WireRecord);

function method(r: WireRecord): Method {
  assert.ok(isMethod(r.method_name), r.method_name);
  return r.method_name;
}

function param(r: WireRecord, name: string): string | undefined {
  return [...r.query_params, ...r.body_params].find(([k]) => k === name)?.[1];
}

function prosodyHeader(r: WireRecord, name: string): string | undefined {
  return r.headers.find(([k]) => k.toLowerCase() === name)?.[1];
}

/** The http_auth_url Prosody was configured with for the host of this record (README.md). */
function configFor(r: WireRecord, origin: string): { url: string; host: string; credentials?: string } {
  const host = param(r, "server");
  assert.ok(host !== undefined);
  const base = r.path.slice(0, -(r.method_name.length + 1));
  if (base === `/api/${host}`) return { url: `${origin}/api/$host/`, host };
  assert.equal(r.auth, "present:prosody:secret");
  return { url: `${origin}${base}`, host, credentials: "prosody:secret" };
}

function misbehaving(r: WireRecord): string | undefined {
  return MISBEHAVING.find((m) => r.path.startsWith(`/${m}/`));
}

/** What the recorder answered Prosody, replayed for us (sleep60 hangs past our deadline). */
function replay(r: WireRecord): Handler {
  return (_req, res) => {
    if (misbehaving(r) === "sleep60") return;
    if (misbehaving(r) === "chunked") {
      res.writeHead(r.status, { "transfer-encoding": "chunked" });
      res.end(r.response_body);
      return;
    }
    res.writeHead(r.status, {
      "content-type": "text/plain",
      "content-length": Buffer.byteLength(r.response_body),
    });
    res.end(r.response_body);
  };
}

/** Prosody's result, read from what it did with the answer (scenarios.md). */
function prosodyOutcome(r: WireRecord): string {
  const m = method(r);
  if (m === "check_password" || m === "user_exists") {
    return r.status === 200 && r.response_body === "true" ? "ok" : "false";
  }
  if (m === "register") return r.status === 201 ? "ok" : "failed";
  return [200, 201, 204].includes(r.status) ? "ok" : r.status === 501 ? "unsupported" : "failed";
}

/** Ours, per the spec's "what we do instead" table. */
function expectedOutcome(r: WireRecord): string {
  if (misbehaving(r) === "sleep60") return "backend-error:timeout";
  const m = method(r);
  if (m === "check_password" || m === "user_exists") {
    if (r.status !== 200) return `backend-error:status:${r.status}`;
    if (r.response_body === "true") return "ok";
    if (r.response_body === "false") return "false";
    return "backend-error:bad-body:200";
  }
  const ok = m === "register" ? [201] : [200, 201, 204];
  if (ok.includes(r.status)) return "ok";
  if (m === "register" && r.status === 409) return "conflict";
  if (r.status === 501) return "unsupported";
  return `backend-error:status:${r.status}`;
}

/** Answers Prosody read as a definite yes or no that we report as backend trouble (spec table). */
function deliberatelyDifferent(r: WireRecord): boolean {
  if (misbehaving(r) === "sleep60") return true;
  const boolean = r.method_name === "check_password" || r.method_name === "user_exists";
  return boolean && !(r.status === 200 && (r.response_body === "true" || r.response_body === "false"));
}

function show(result: { outcome: string; reason?: string; status?: number }): string {
  return [result.outcome, result.reason, result.status].filter((x) => x !== undefined).join(":");
}

async function act(p: AuthProvider, r: WireRecord): Promise<string> {
  const user = param(r, "user") ?? "";
  const pass = param(r, "pass") ?? "";
  switch (method(r)) {
    case "check_password":
      return show(await p.checkPassword(user, pass));
    case "user_exists":
      return show(await p.userExists(user));
    case "register":
      return show(await p.register(user, pass));
    case "set_password":
      return show(await p.setPassword(user, pass));
    case "remove_user":
      return show(await p.removeUser(user));
  }
}

function formPairs(encoded: string): Array<[string, string]> {
  return [...new URLSearchParams(encoded)];
}

let rec: Recorder;
before(async () => {
  rec = await startRecorder();
});
after(() => rec.close());

void describe("provider requests match Prosody's recorded requests", () => {
  void it("has the recordings", () => assert.ok(records.length >= 40, `${records.length} records`));

  records.forEach((r, i) => {
    const label = `#${i + 1} ${r.http_method} ${r.path} → ${r.status} ${JSON.stringify(r.response_body)}`;
    void it(label, async () => {
      rec.setHandler(replay(r));
      rec.requests.length = 0;
      const p = createHttpProvider({
        ...configFor(r, rec.origin),
        timeoutMs: misbehaving(r) === "sleep60" ? HANG_TIMEOUT : TIMEOUT,
        logger: silentLogger(),
      });
      let outcome: string;
      try {
        outcome = await act(p, r);
      } finally {
        await p.close();
      }
      const ours: Recorded | undefined = rec.requests[0];
      assert.ok(ours, "we sent a request");
      assert.equal(rec.requests.length, 1, "exactly one request, as Prosody");

      // What an API can depend on: verb, path, parameters by name, Authorization.
      assert.equal(ours.method, r.http_method);
      assert.equal(ours.path, r.path);
      const post = r.http_method === "POST";
      const ourPairs = formPairs(post ? ours.body : (ours.rawQuery ?? ""));
      const theirPairs = post ? r.body_params : r.query_params;
      assert.deepEqual(Object.fromEntries(ourPairs), Object.fromEntries(theirPairs));
      assert.equal(ourPairs.length, theirPairs.length, "no repeated or extra parameters");
      // Same order as ours (PARAM_ORDER, which all recordings use): then the bytes must match too.
      const sameOrder =
        theirPairs.map(([k]) => k).join() ===
        PARAM_ORDER.filter((k) => theirPairs.some(([n]) => n === k)).join();
      if (post) {
        assert.equal(ours.rawQuery, undefined, "POST carries no query string");
        if (sameOrder) assert.equal(ours.body, r.body);
        assert.equal(header(ours, "content-length"), prosodyHeader(r, "content-length"));
      } else {
        assert.equal(ours.body, "");
        if (sameOrder) assert.equal(ours.rawQuery, r.raw_query);
      }
      assert.equal(header(ours, "authorization"), prosodyHeader(r, "authorization"));
      assert.equal(prosodyHeader(r, "host"), PROSODY_AUTHORITY);
      assert.equal(header(ours, "host"), `127.0.0.1:${rec.port}`);

      // The deliberate differences, and nothing else: Content-Type spelling, User-Agent, and the
      // keep-alive pool's `Connection: keep-alive` (the spec's "connections" row).
      assert.equal(prosodyHeader(r, "user-agent"), PROSODY_UA);
      assert.equal(header(ours, "user-agent"), USER_AGENT);
      assert.equal(prosodyHeader(r, "content-type"), post ? PROSODY_FORM_CONTENT_TYPE : undefined);
      assert.equal(header(ours, "content-type"), post ? FORM_CONTENT_TYPE : undefined);
      assert.equal(header(ours, "connection") ?? "keep-alive", "keep-alive");
      const theirNames = r.headers.map(([k]) => k.toLowerCase()).sort();
      const ourNames = ours.headers
        .map(([k]) => k)
        .filter((k) => k !== "connection")
        .sort();
      assert.deepEqual(ourNames, theirNames);

      // Outcome: Prosody's, except where the spec says we do better.
      assert.equal(outcome, expectedOutcome(r));
      const theirs = prosodyOutcome(r);
      if (theirs === "failed") {
        assert.ok(outcome !== "ok" && outcome !== "false", "a failed write is never success for us either");
      } else if (deliberatelyDifferent(r)) {
        assert.notEqual(outcome, theirs, "Prosody got this wrong; we must not copy it");
        assert.match(outcome, /^backend-error/);
      } else {
        assert.equal(outcome, theirs, "a well-formed answer means the same to us as to Prosody");
      }
    });
  });
});
