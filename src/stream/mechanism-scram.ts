// SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802 §5 and §7, RFC 7677) and their -PLUS variants with TLS
// channel binding (RFC 5802 §6, RFC 9266, RFC 5929), server side, with credentials from the provider
// (get_password): the password never reaches this server.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { makeJid, tryParseJid } from "../jid.ts";
import { localpartPrep } from "../precis/index.ts";
import { HASH_BYTES, digest, hmac, type ScramHash, type ScramKeys } from "../auth/scram.ts";
import type { LoginTicket } from "../limits/login-limiter.ts";
import { settle } from "./sasl-limits.ts";
import type { FeatureState } from "./features.ts";
import type { SaslContext, SaslExchange, SaslMechanism, SaslStep } from "./sasl-mechanism.ts";
import { backendFailed, wrongCredentials } from "./mechanism-verdicts.ts";
import { ssdpHash } from "./ssdp.ts";

/** Salts for names with no account, stable per name so two tries cannot tell (no enumeration). */
export interface FakeCredentials {
  keys(hash: ScramHash, user: string): ScramKeys;
  /** The count a real account showed last (the API's setting), so a fake does not stand out. */
  iterations(): number;
  sawIterations(n: number): void;
}

export function createFakeCredentials(): FakeCredentials {
  const secret = randomBytes(32);
  let iterations = 4096;
  return {
    keys: (hash, user) => {
      const salt = createHmac("sha256", secret).update(`${hash}\0${user}`).digest().subarray(0, 16);
      const junk = randomBytes(HASH_BYTES[hash]);
      return { salt, storedKey: junk, serverKey: junk };
    },
    iterations: () => iterations,
    sawIterations: (n) => {
      iterations = n;
    },
  };
}

const NAMES: Readonly<Record<ScramHash, string>> = { sha1: "SCRAM-SHA-1", sha256: "SCRAM-SHA-256" };

export interface ScramOptions {
  /** The -PLUS variant: channel binding required. */
  readonly plus?: boolean;
  /** The server's part of the nonce; tests pass RFC 5802's to replay its example. */
  readonly nonce?: () => string;
}

export function scramMechanism(
  hash: ScramHash,
  fake: FakeCredentials,
  options: ScramOptions = {},
): SaslMechanism {
  const plus = options.plus ?? false;
  const nonce = options.nonce ?? (() => randomBytes(18).toString("base64"));
  return {
    name: NAMES[hash] + (plus ? "-PLUS" : ""),
    // The password never crosses, but RFC 6120 §5.3.1 still wants TLS first when the host requires it.
    offered: (s: FeatureState) =>
      plus ? s.secure && s.channelBindings.length > 0 : s.secure || !s.requireEncryption,
    refusedAs: (s) => (s.secure || plus ? "invalid-mechanism" : "encryption-required"),
    start: (ctx) => scramExchange(ctx, hash, fake, nonce, plus),
  };
}

const fail = (
  condition: "malformed-request" | "not-authorized" | "invalid-authzid",
  text?: string,
): SaslStep => (text === undefined ? { kind: "failure", condition } : { kind: "failure", condition, text });

interface First {
  readonly gs2Header: string;
  /** The channel binding data the client must have bound to (empty without binding). */
  readonly cbData: Buffer;
  readonly user: string;
  readonly bare: string;
  readonly clientNonce: string;
}

/** RFC 5802 §5.1 saslname: "=2C" is ",", "=3D" is "=", any other "=" is malformed. */
function decodeSaslName(s: string): string | undefined {
  if (/=(?!2C|3D)/.test(s)) return undefined;
  return s.replaceAll("=2C", ",").replaceAll("=3D", "=");
}

const NONCE = /^[\x21-\x2b\x2d-\x7e]+$/; // printable ASCII except ","

function parseFirst(message: string, ctx: SaslContext, plus: boolean): First | string {
  const m = /^([pny])(=[^,]*)?,(a=[^,]*)?,(.*)$/s.exec(message);
  if (m === null) return "Expected a gs2 header.";
  if (m[1] !== "p" && m[2] !== undefined) return "Malformed gs2 header.";
  let cbData: Buffer = Buffer.alloc(0);
  if (m[1] === "p") {
    if (!plus) return "Channel binding needs a -PLUS mechanism.";
    const type = ctx.channelBindings.find((t) => t === (m[2] ?? "").slice(1));
    const data = type === undefined ? undefined : ctx.channelBinding(type);
    if (data === undefined) return "Channel binding type not supported here.";
    cbData = data;
  } else if (plus) {
    return "A -PLUS mechanism needs channel binding.";
  } else if (m[1] === "y" && ctx.plusOffered) {
    // RFC 5802 §6: the client thinks we do not bind, yet we offered it: someone removed the -PLUS.
    return "Channel binding was offered: a downgrade?";
  }
  const bare = m[4] ?? "";
  const attrs = bare.split(",");
  if (attrs[0]?.startsWith("m=")) return "Mandatory extensions are not supported.";
  const n = attrs[0]?.startsWith("n=") ? decodeSaslName(attrs[0].slice(2)) : undefined;
  const r = attrs[1]?.startsWith("r=") ? attrs[1].slice(2) : undefined;
  if (n === undefined || n === "" || r === undefined || !NONCE.test(r)) return "Expected n=<name>,r=<nonce>.";
  return { gs2Header: `${m[1]}${m[2] ?? ""},${m[3] ?? ""},`, cbData, user: n, bare, clientNonce: r };
}

function scramExchange(
  ctx: SaslContext,
  hash: ScramHash,
  fake: FakeCredentials,
  serverNonce: () => string,
  plus: boolean,
): SaslExchange {
  let stage: "first" | "final" | "done" = "first";
  let ticket: LoginTicket | undefined;
  let state: {
    first: First;
    user: string;
    keys: ScramKeys;
    /** "real": the account's keys; "none": no such account; "missing": an account without this hash. */
    found: "real" | "none" | "missing";
    serverFirst: string;
    nonce: string;
  };

  const release = (): void => {
    ticket?.release();
    ticket = undefined;
  };

  async function first(message: string): Promise<SaslStep> {
    const parsed = parseFirst(message, ctx, plus);
    if (typeof parsed === "string") return fail("malformed-request", parsed);
    const prepared = localpartPrep(parsed.user);
    // A name no JID can hold cannot be an account: a failed attempt, as with PLAIN.
    if (!prepared.ok) return fail("not-authorized");
    const user = prepared.value;
    const jid = makeJid(user, ctx.host);
    const authzid = /^a=([^,]*)/.exec(parsed.gs2Header.split(",")[1] ?? "")?.[1];
    if (authzid !== undefined) {
      const decoded = decodeSaslName(authzid);
      // RFC 6120 §6.3.8: a user may only act as themselves.
      if (decoded === undefined || !(tryParseJid(decoded)?.equals(jid) ?? false))
        return fail("invalid-authzid");
    }
    const admission = await ctx.admit(user);
    if (!admission.ok) return { kind: "failure", ...(admission.refusal ?? { condition: "aborted" }) };
    ticket = admission.ticket;
    const started = performance.now();
    const found = await ctx.provider.getScramCredentials?.(user, { signal: ctx.signal });
    const ms = Math.round(performance.now() - started);
    let keys: ScramKeys | undefined;
    let iterations = fake.iterations();
    if (found === undefined || found.outcome === "unsupported") {
      release();
      ctx.logger.warn(
        { user: jid.toString(), ms },
        "http_auth_scram is on but the API does not implement get_password",
      );
      return backendFailed(ctx, jid.toString(), { reason: "status", status: 501 }, ms);
    }
    if (found.outcome === "backend-error") {
      release();
      return backendFailed(ctx, jid.toString(), found, ms);
    }
    if (found.outcome === "ok") {
      keys = found.credentials.keys[hash];
      iterations = found.credentials.iterations;
      fake.sawIterations(iterations);
      // An account with no keys for this hash (the legacy form is SHA-1 only) fails like a wrong
      // password, after a challenge as usual, so that what the client sees says nothing of it.
      if (keys === undefined)
        ctx.logger.warn(
          { user: jid.toString(), mechanism: NAMES[hash] },
          "the API has no credentials for this hash",
        );
    }
    const nonce = parsed.clientNonce + serverNonce();
    const use = keys ?? fake.keys(hash, user);
    // XEP-0474 §5.1: the hash of what we advertised, signed by the client's proof with the rest.
    const h = ctx.advertised === undefined ? "" : `,h=${ssdpHash(hash, ctx.advertised)}`;
    const serverFirst = `r=${nonce},s=${use.salt.toString("base64")},i=${iterations}${h}`;
    const kind = keys !== undefined ? "real" : found.outcome === "ok" ? "missing" : "none";
    state = { first: parsed, user, keys: use, found: kind, serverFirst, nonce };
    stage = "final";
    return { kind: "challenge", data: Buffer.from(serverFirst, "utf8") };
  }

  function final(message: string): SaslStep {
    stage = "done";
    const m = /^c=([^,]*),r=([^,]*)((?:,[^,]*)*),p=([^,]*)$/s.exec(message);
    const jid = makeJid(state.user, ctx.host).toString();
    if (m === null) {
      release();
      return fail("malformed-request", "Expected c=…,r=…,p=….");
    }
    const [, c = "", r = "", , p = ""] = m;
    const proof = Buffer.from(p, "base64");
    if (
      !Buffer.from(c, "base64").equals(
        Buffer.concat([Buffer.from(state.first.gs2Header), state.first.cbData]),
      ) ||
      r !== state.nonce ||
      proof.length !== HASH_BYTES[hash]
    ) {
      release();
      return fail("malformed-request", "The channel binding or nonce does not match.");
    }
    const withoutProof = message.slice(0, message.lastIndexOf(",p="));
    const authMessage = `${state.first.bare},${state.serverFirst},${withoutProof}`;
    const signature = hmac(hash, state.keys.storedKey, authMessage);
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = (proof[i] ?? 0) ^ (signature[i] ?? 0);
    const ok = timingSafeEqual(digest(hash, clientKey), state.keys.storedKey) && state.found === "real";
    // Keys missing for this hash are the API's gap, not the client's failure: no count against it.
    if (state.found === "missing") release();
    else if (ticket !== undefined) settle(ticket, ok ? "ok" : "false");
    ticket = undefined;
    // No "wrong credentials" line for missing keys either: fail2ban counts that line (docs/security.md),
    // and the API's gap was already logged as a warning.
    if (!ok)
      return state.found === "missing"
        ? { kind: "failure", condition: "not-authorized" }
        : wrongCredentials(ctx, jid, 0);
    const verifier = hmac(hash, state.keys.serverKey, authMessage).toString("base64");
    return { kind: "success", user: state.user, data: Buffer.from(`v=${verifier}`, "utf8") };
  }

  return {
    step: async (message) => {
      const text = message.toString("utf8");
      if (stage === "first") return first(text);
      if (stage === "final") return final(text);
      return fail("malformed-request", "The exchange is over.");
    },
    dispose: release,
  };
}
