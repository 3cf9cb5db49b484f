// SCRAM computations and exchange against RFC 5802 §5 (SHA-1) and RFC 7677 §3 (SHA-256) examples,
// and MongooseIM's serialisation against the examples of its "SCRAM serialization" guide.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  keysFromSalted,
  parseSerialized,
  saltedPassword,
  serialize,
  deriveCredentials,
} from "../../src/auth/scram.ts";
import type { AuthProvider, ScramResult } from "../../src/auth/provider.ts";
import { createFakeCredentials, scramMechanism } from "../../src/stream/mechanism-scram.ts";
import type { SaslContext, SaslStep } from "../../src/stream/sasl-mechanism.ts";
import type { LoginTicket } from "../../src/limits/login-limiter.ts";
import { createLogger } from "../../src/log.ts";

const VECTORS = [
  {
    hash: "sha1" as const,
    salt: "QSXCR+Q6sek8bf92",
    clientFirst: "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
    serverNonce: "3rfcNHYJY1ZVvWVs7j",
    clientFinal: "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
    serverFinal: "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
  },
  {
    hash: "sha256" as const,
    salt: "W22ZaJ0SNY7soEsUEjb6gQ==",
    clientFirst: "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
    serverNonce: "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
    clientFinal:
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    serverFinal: "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
  },
];

interface Ticks {
  ok: number;
  failed: number;
  released: number;
}

function context(answer: ScramResult, ticks: Ticks): SaslContext {
  const ticket = {
    succeeded: () => void ticks.ok++,
    failed: () => void ticks.failed++,
    release: () => void ticks.released++,
  } as unknown as LoginTicket;
  const provider = { getScramCredentials: () => Promise.resolve(answer) } as unknown as AuthProvider;
  return {
    host: "example.com",
    provider,
    logger: createLogger({ level: "silent" }),
    channelBindings: [],
    plusOffered: false,
    channelBinding: () => undefined,
    signal: new AbortController().signal,
    admit: () => Promise.resolve({ ok: true, ticket }),
  };
}

const credentialsFor = (v: (typeof VECTORS)[number], password = "pencil"): ScramResult => {
  const salt = Buffer.from(v.salt, "base64");
  const keys = keysFromSalted(v.hash, salt, saltedPassword(v.hash, password, salt, 4096));
  return { outcome: "ok", credentials: { iterations: 4096, keys: { [v.hash]: keys } } };
};

const text = (step: SaslStep): string =>
  step.kind === "failure" ? step.condition : (step.data?.toString() ?? "");

for (const v of VECTORS) {
  test(`${v.hash}: the RFC example exchange succeeds, with its server signature`, async () => {
    const ticks = { ok: 0, failed: 0, released: 0 };
    const m = scramMechanism(v.hash, createFakeCredentials(), { nonce: () => v.serverNonce });
    const x = m.start(context(credentialsFor(v), ticks));
    const first = await x.step(Buffer.from(v.clientFirst));
    assert.equal(first.kind, "challenge");
    assert.equal(
      text(first),
      `r=${v.clientFirst.slice(v.clientFirst.indexOf("r=") + 2)}${v.serverNonce},s=${v.salt},i=4096`,
    );
    const final = await x.step(Buffer.from(v.clientFinal));
    assert.equal(final.kind, "success");
    assert.equal(final.kind === "success" && final.user, "user");
    assert.equal(text(final), v.serverFinal);
    assert.deepEqual(ticks, { ok: 1, failed: 0, released: 0 });
  });

  test(`${v.hash}: a wrong password's proof is not-authorized and counts as a failure`, async () => {
    const ticks = { ok: 0, failed: 0, released: 0 };
    const x = scramMechanism(v.hash, createFakeCredentials(), { nonce: () => v.serverNonce }).start(
      context(credentialsFor(v, "pencil2"), ticks),
    );
    await x.step(Buffer.from(v.clientFirst));
    assert.equal(text(await x.step(Buffer.from(v.clientFinal))), "not-authorized");
    assert.deepEqual(ticks, { ok: 0, failed: 1, released: 0 });
  });
}

test("an unknown user gets a challenge like any other, stable per name, then not-authorized", async () => {
  const fake = createFakeCredentials();
  const v = VECTORS[1]!;
  const challenges: string[] = [];
  for (let i = 0; i < 2; i++) {
    const ticks = { ok: 0, failed: 0, released: 0 };
    const x = scramMechanism("sha256", fake, { nonce: () => v.serverNonce }).start(
      context({ outcome: "false" }, ticks),
    );
    const first = await x.step(Buffer.from(v.clientFirst));
    assert.equal(first.kind, "challenge");
    challenges.push(text(first));
    assert.equal(text(await x.step(Buffer.from(v.clientFinal))), "not-authorized");
    assert.equal(ticks.failed, 1);
  }
  assert.equal(challenges[0], challenges[1]);
  assert.match(challenges[0] ?? "", /,s=[A-Za-z0-9+/]{22}==,i=4096$/);
});

test("backend trouble is temporary-auth-failure before any challenge, and holds no limit slot", async () => {
  for (const answer of [
    { outcome: "backend-error", reason: "timeout" },
    { outcome: "unsupported" },
  ] as ScramResult[]) {
    const ticks = { ok: 0, failed: 0, released: 0 };
    const x = scramMechanism("sha1", createFakeCredentials()).start(context(answer, ticks));
    assert.equal(text(await x.step(Buffer.from("n,,n=user,r=abc"))), "temporary-auth-failure");
    assert.deepEqual(ticks, { ok: 0, failed: 0, released: 1 });
  }
});

test("malformed and unsupported client-first messages are refused precisely", async () => {
  const cases: Array<[string, string]> = [
    ["p=tls-exporter,,n=user,r=abc", "malformed-request"], // no -PLUS offered
    ["n,,m=ext,n=user,r=abc", "malformed-request"],
    ["n,,n=us=er,r=abc", "malformed-request"],
    ["n,,n=user", "malformed-request"],
    ["x,,n=user,r=abc", "malformed-request"],
    ["n,a=bob@example.com,n=user,r=abc", "invalid-authzid"],
    ["n,,n=a@b,r=abc", "not-authorized"],
  ];
  for (const [message, condition] of cases) {
    const ticks = { ok: 0, failed: 0, released: 0 };
    const v = VECTORS[0]!;
    const x = scramMechanism("sha1", createFakeCredentials()).start(context(credentialsFor(v), ticks));
    assert.equal(text(await x.step(Buffer.from(message))), condition, message);
  }
  // The authzid may name the user themselves (RFC 6120 §6.3.8).
  const x = scramMechanism("sha1", createFakeCredentials()).start(
    context(credentialsFor(VECTORS[0]!), { ok: 0, failed: 0, released: 0 }),
  );
  assert.equal((await x.step(Buffer.from("n,a=User@example.com,n=user,r=abc"))).kind, "challenge");
});

test("a client-final with a changed gs2 header or nonce is malformed-request, a slot given back", async () => {
  const v = VECTORS[0]!;
  for (const bad of [v.clientFinal.replace("c=biws", "c=eSws"), v.clientFinal.replace("r=fyko", "r=fyk0")]) {
    const ticks = { ok: 0, failed: 0, released: 0 };
    const x = scramMechanism("sha1", createFakeCredentials(), { nonce: () => v.serverNonce }).start(
      context(credentialsFor(v), ticks),
    );
    await x.step(Buffer.from(v.clientFirst));
    assert.equal(text(await x.step(Buffer.from(bad))), "malformed-request");
    assert.deepEqual(ticks, { ok: 0, failed: 0, released: 1 });
  }
});

test("MongooseIM's examples parse, and their keys follow from the password", () => {
  const legacy = parseSerialized(
    "==SCRAM==,tmi5IE+9pceRV/jkPLFHEaVY33c=,MiWNa8T3dniVDwmh77ufJ41fpAQ=,inKXODlSY5y5SCsLxibi0w==,4096",
  );
  assert.ok(legacy?.keys.sha1);
  const salt = legacy.keys.sha1.salt;
  const derived = keysFromSalted("sha1", salt, saltedPassword("sha1", "misio", salt, 4096));
  assert.equal(derived.storedKey.toString("base64"), "tmi5IE+9pceRV/jkPLFHEaVY33c=");
  assert.equal(derived.serverKey.toString("base64"), "MiWNa8T3dniVDwmh77ufJ41fpAQ=");

  const multi = parseSerialized(
    "==MULTI_SCRAM==,4096,===SHA1===QClQsw/sfPEnwj4AEp6E1w==|ys1104hRhqMoRputBY5sLHKXoSw=|EJvxXWM42tO7BgW21lNZyBc1dD0=",
  );
  const k = multi?.keys.sha1;
  assert.ok(k);
  const d = keysFromSalted("sha1", k.salt, saltedPassword("sha1", "padthai", k.salt, 4096));
  assert.ok(d.storedKey.equals(k.storedKey) && d.serverKey.equals(k.serverKey));
});

test("serialize and parse are inverse; plaintext and broken forms are refused", () => {
  const c = deriveCredentials("secret", 4096);
  const back = parseSerialized(serialize(c));
  assert.deepEqual(back, c);
  for (const bad of [
    "secret",
    "==SCRAM==,a,b,c,4096",
    "==MULTI_SCRAM==,0,===SHA1===QQ==|QQ==|QQ==",
    "==MULTI_SCRAM==,4096",
    "==MULTI_SCRAM==,4096,===SHA1===QClQsw/sfPEnwj4AEp6E1w==|ys1104hRhqMoRputBY5sLHKXoSw=",
  ]) {
    assert.equal(parseSerialized(bad), undefined, bad);
  }
  // Hashes we do not offer are skipped, not refused.
  const sha512Only = serialize(c) + ",==SHA512==QQ==|QQ==|QQ==";
  assert.ok(parseSerialized(sha512Only)?.keys.sha256);
});
