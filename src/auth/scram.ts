// SCRAM key derivation (RFC 5802 §3, RFC 7677 for SHA-256) and MongooseIM's serialisation of the
// stored credentials (its "SCRAM serialization" developer guide), shared by the provider and authd.
import { createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes } from "node:crypto";
import { promisify } from "node:util";

export type ScramHash = "sha1" | "sha256";

/** What a server keeps for one hash: never the password, never the salted password. */
export interface ScramKeys {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

export interface ScramCredentials {
  readonly iterations: number;
  readonly keys: Readonly<Partial<Record<ScramHash, ScramKeys>>>;
}

export const HASH_BYTES: Readonly<Record<ScramHash, number>> = { sha1: 20, sha256: 32 };

export const hmac = (hash: ScramHash, key: Buffer, data: Buffer | string): Buffer =>
  createHmac(hash, key).update(data).digest();
export const digest = (hash: ScramHash, data: Buffer): Buffer => createHash(hash).update(data).digest();

/** Hi() of RFC 5802 §2.2 is PBKDF2 with HMAC as the PRF and one block of output. */
export function saltedPassword(hash: ScramHash, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, HASH_BYTES[hash], hash);
}

export function keysFromSalted(hash: ScramHash, salt: Buffer, salted: Buffer): ScramKeys {
  const clientKey = hmac(hash, salted, "Client Key");
  return { salt, storedKey: digest(hash, clientKey), serverKey: hmac(hash, salted, "Server Key") };
}

/** Credentials for every hash we offer: one count (MULTI_SCRAM shares it), a fresh salt per hash. */
export function deriveCredentials(
  password: string,
  iterations: number,
  hashes: readonly ScramHash[] = ["sha1", "sha256"],
): ScramCredentials {
  const keys: Partial<Record<ScramHash, ScramKeys>> = {};
  for (const h of hashes) {
    const salt = randomBytes(16);
    keys[h] = keysFromSalted(h, salt, saltedPassword(h, password, salt, iterations));
  }
  return { iterations, keys };
}

const pbkdf2Async = promisify(pbkdf2);

/** deriveCredentials off the event loop (libuv's pool), for a service answering others meanwhile. */
export async function deriveCredentialsAsync(
  password: string,
  iterations: number,
  hashes: readonly ScramHash[] = ["sha1", "sha256"],
): Promise<ScramCredentials> {
  const keys: Partial<Record<ScramHash, ScramKeys>> = {};
  await Promise.all(
    hashes.map(async (h) => {
      const salt = randomBytes(16);
      const salted = await pbkdf2Async(Buffer.from(password, "utf8"), salt, iterations, HASH_BYTES[h], h);
      keys[h] = keysFromSalted(h, salt, salted);
    }),
  );
  return { iterations, keys };
}

const b64 = (b: Buffer): string => b.toString("base64");
const TAG: Readonly<Record<ScramHash, string>> = { sha1: "===SHA1===", sha256: "==SHA256==" };

/** `==MULTI_SCRAM==,<iterations>,===SHA1===<salt>|<stored>|<server>,==SHA256==…`. */
export function serialize(c: ScramCredentials): string {
  const parts = ["==MULTI_SCRAM==", String(c.iterations)];
  for (const h of ["sha1", "sha256"] as const) {
    const k = c.keys[h];
    if (k !== undefined) parts.push(`${TAG[h]}${b64(k.salt)}|${b64(k.storedKey)}|${b64(k.serverKey)}`);
  }
  return parts.join(",");
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MAX_ITERATIONS = 10_000_000;

function b64Field(text: string | undefined, bytes?: number): Buffer | undefined {
  if (text === undefined || text === "" || !BASE64.test(text)) return undefined;
  const buf = Buffer.from(text, "base64");
  return bytes === undefined || buf.length === bytes ? buf : undefined;
}

function iterationCount(text: string | undefined): number | undefined {
  if (text === undefined || !/^[1-9][0-9]{0,7}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= MAX_ITERATIONS ? n : undefined;
}

/**
 * Parses either serialisation; `undefined` for anything else, a plaintext password included (we
 * never accept one: the API must not hand out passwords). Hashes we do not offer (SHA-224, -384,
 * -512) are skipped. Each hash has its own salt (MongooseIM's example shows different ones).
 */
export function parseSerialized(text: string): ScramCredentials | undefined {
  const t = text.trim();
  if (t.startsWith("==MULTI_SCRAM==,")) return parseMulti(t);
  if (t.startsWith("==SCRAM==,")) return parseLegacy(t);
  return undefined;
}

function parseLegacy(t: string): ScramCredentials | undefined {
  // `==SCRAM==,<stored key>,<server key>,<salt>,<iterations>`: SHA-1 only.
  const f = t.split(",");
  if (f.length !== 5) return undefined;
  const storedKey = b64Field(f[1], 20);
  const serverKey = b64Field(f[2], 20);
  const salt = b64Field(f[3]);
  const iterations = iterationCount(f[4]);
  if (!storedKey || !serverKey || !salt || iterations === undefined) return undefined;
  return { iterations, keys: { sha1: { salt, storedKey, serverKey } } };
}

function parseMulti(t: string): ScramCredentials | undefined {
  const f = t.split(",");
  const iterations = iterationCount(f[1]);
  if (iterations === undefined || f.length < 3) return undefined;
  const keys: Partial<Record<ScramHash, ScramKeys>> = {};
  for (const entry of f.slice(2)) {
    const m = /^(={2,3})(SHA1|SHA224|SHA256|SHA384|SHA512)(={1,3})(.*)$/.exec(entry);
    if (m === null) return undefined;
    const name = m[2] === "SHA1" ? "sha1" : m[2] === "SHA256" ? "sha256" : undefined;
    if (name === undefined) continue;
    const [s, stored, server, ...rest] = (m[4] ?? "").split("|");
    const entrySalt = b64Field(s);
    const storedKey = b64Field(stored, HASH_BYTES[name]);
    const serverKey = b64Field(server, HASH_BYTES[name]);
    if (rest.length > 0 || !entrySalt || !storedKey || !serverKey) return undefined;
    keys[name] = { salt: entrySalt, storedKey, serverKey };
  }
  if (keys.sha1 === undefined && keys.sha256 === undefined) return undefined;
  return { iterations, keys };
}
