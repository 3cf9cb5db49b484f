// Every log line the HTTP auth provider writes, at debug level, through every path (answers and
// faults): none may carry the password, the query, the Authorization header or the credentials,
// and backend trouble must be a warning naming method, host, reason and status.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { createLogger, silentLogger } from "../../src/log.ts";
import { encodeValue } from "../../src/auth/http/protocol.ts";
import { createHttpProvider } from "../../src/auth/http/provider.ts";
import type { AuthProvider } from "../../src/auth/provider.ts";
import { answer, closedPort, startRecorder, type Handler, type Recorder } from "../helpers/http-recorder.ts";

const PASSWORD = "p äss&=+/?%Hunter2";
const CREDENTIALS = "prosody:S3cretCred";
const FORBIDDEN = [
  PASSWORD,
  "Hunter2",
  encodeValue(PASSWORD),
  "pass=",
  "Basic ",
  CREDENTIALS,
  "S3cretCred",
  Buffer.from(CREDENTIALS).toString("base64"),
  "check_password?",
];

interface LogLine {
  level: number;
  msg: string;
  method?: string;
  host?: string;
  reason?: string;
  status?: number;
}

let rec: Recorder;
const lines: string[] = [];
const providers: AuthProvider[] = [];

function provider(url: string, timeoutMs = 150): AuthProvider {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level: "debug", destination: sink });
  const p = createHttpProvider({ url, host: "example.com", credentials: CREDENTIALS, timeoutMs, logger });
  providers.push(p);
  return p;
}

async function everyMethod(p: AuthProvider): Promise<void> {
  await p.checkPassword("alice", PASSWORD);
  await p.userExists("alice");
  await p.register("alice", PASSWORD);
  await p.setPassword("alice", PASSWORD);
  await p.removeUser("alice");
}

const CASES: Array<[string, Handler]> = [
  ["true", answer(200, "true")],
  ["false", answer(200, "false")],
  ["201", answer(201)],
  ["409", answer(409)],
  ["500", answer(500, `error for ${PASSWORD}`)],
  ["503", answer(503)],
  ["501", answer(501)],
  ["true\\n", answer(200, "true\n")],
  ["TRUE", answer(200, "TRUE")],
  ["huge", answer(200, "x".repeat(100_000))],
  ["hang", () => {}],
  ["reset", (req) => req.socket.destroy()],
];

before(async () => {
  rec = await startRecorder();
  // Warm up (undici compiles its HTTP parser on first use) so the short deadline below only
  // fires where a case hangs on purpose.
  const warm = createHttpProvider({ url: rec.origin, host: "example.com", logger: silentLogger() });
  await warm.userExists("warm");
  await warm.close();
});
after(async () => {
  await Promise.all(providers.map((p) => p.close()));
  await rec.close();
});

void describe("http provider: logging", () => {
  void it("never logs a secret, through answers, faults, refusal and caller aborts", async () => {
    const p = provider(`${rec.origin}/auth`);
    for (const [, handler] of CASES) {
      rec.setHandler(handler);
      await everyMethod(p);
    }
    await everyMethod(provider(`http://127.0.0.1:${await closedPort()}/auth`));
    rec.setHandler(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    await p.checkPassword("alice", PASSWORD, { signal: controller.signal });

    assert.ok(lines.length >= CASES.length * 5, `only ${lines.length} log lines`);
    for (const line of lines) {
      for (const secret of FORBIDDEN) {
        assert.ok(!line.includes(secret), `log line contains ${JSON.stringify(secret)}: ${line}`);
      }
    }
  });

  void it("backend trouble is a warning naming method, host, reason and status", () => {
    const parsed = lines.map((l) => JSON.parse(l) as LogLine);
    const warnings = parsed.filter((l) => l.level === 40);
    const has = (method: string, reason: string, status?: number): boolean =>
      warnings.some(
        (w) => w.method === method && w.host === "example.com" && w.reason === reason && w.status === status,
      );
    assert.ok(has("check_password", "status", 500), "500 on check_password");
    assert.ok(has("register", "status", 503), "503 on register");
    assert.ok(has("check_password", "bad-body", 200), "true\\n");
    assert.ok(has("user_exists", "body-too-large", 200), "huge body");
    assert.ok(has("set_password", "timeout"), "hang");
    assert.ok(has("remove_user", "network"), "reset");
    assert.ok(has("check_password", "refused"), "refused");
    // A definite answer, 501 on an optional method, or the client leaving is not backend trouble.
    assert.ok(!warnings.some((w) => w.reason === "aborted"), "aborts are not warnings");
    assert.ok(
      !warnings.some((w) => w.method === "register" && w.status === 501),
      "501 on register is not a warning",
    );
    assert.ok(
      parsed.some((l) => l.level === 20 && l.method === "check_password"),
      "debug lines are written",
    );
  });
});
