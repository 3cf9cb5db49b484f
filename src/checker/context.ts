// What every probe gets: the options, the names and passwords the run invented, one raw HTTP client,
// and a log of every answer for the probes that judge the wire as a whole (body spelling, framing,
// latency). Built once per run; nothing here is global.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { basicAuthorization, type AnyMethod } from "../auth/http/protocol.ts";
import { createRawClient, type Outcome, type Pairs, type RawClient, type TlsTrust } from "./http-client.ts";
import { createRedactor, type Redactor } from "./redact.ts";
import type { CheckOptions, ProbeResult } from "./types.ts";

export type AuthMode = "good" | "none" | "wrong";

export interface Call {
  readonly method: AnyMethod;
  readonly params: Pairs;
  readonly contentType?: string;
  /** good: the --credentials (or none when not given); none: no header; wrong: made-up credentials. */
  readonly auth?: AuthMode;
  /** Whether the answer is a true/false body, to be judged by the boolean-body probe. */
  readonly boolean?: boolean;
}

export interface LoggedOutcome {
  readonly outcome: Outcome;
  readonly boolean: boolean;
}

export interface CheckContext {
  readonly options: CheckOptions;
  /** The base URL with `$host` expanded and one trailing `/` removed. */
  readonly base: string;
  /** A name no real account can have, for the questions whose answer must be "no". */
  readonly absentUser: string;
  /** A throwaway name for the --allow-writes life cycle. */
  readonly throwawayUser: string;
  /** Invented passwords; all of them are secrets for the redactor. */
  readonly passwords: {
    readonly wrong: string;
    readonly reserved: string;
    readonly first: string;
    readonly second: string;
  };
  readonly wrongCredentials: string;
  /** Masks every secret above and in the options, in every encoding it went on the wire in. */
  readonly redact: Redactor;
  readonly log: LoggedOutcome[];
  call(call: Call): Promise<Outcome>;
  close(): Promise<void>;
  record(result: ProbeResult): void;
  readonly results: ProbeResult[];
}

const hex = (): string => randomBytes(6).toString("hex");

/** Space, every character with a meaning in a URL or a form, and 2-, 3- and 4-byte UTF-8. */
const RESERVED = " &=+/?%#;:@[],'\"<>\\|^`{}";
const NON_ASCII = "äÖñßéЖ€中😀";

export function createContext(options: CheckOptions, base: string): CheckContext {
  const good = options.credentials === undefined ? undefined : basicAuthorization(options.credentials);
  const wrongCredentials = `xha-check:${hex()}`;
  const passwords = {
    wrong: `xha-wrong-${hex()}`,
    reserved: `p${RESERVED}${NON_ASCII}-${hex()}`,
    first: `Zoë p&ss=+/%?#€😀-${hex()}`,
    second: `n3w pass&=+%ü中-${hex()}`,
  };
  const redact = createRedactor(secretsOf(options, [...Object.values(passwords), wrongCredentials]));
  const client: RawClient = createRawClient(base, options.timeoutMs, redact, trustOf(options));
  const log: LoggedOutcome[] = [];
  const results: ProbeResult[] = [];
  return {
    options,
    base,
    absentUser: `xha-check-absent-${hex()}`,
    throwawayUser: `xha-check-${hex()}`,
    passwords,
    wrongCredentials,
    redact,
    log,
    results,
    async call(call) {
      const auth = call.auth ?? "good";
      const authorization =
        auth === "good" ? good : auth === "wrong" ? basicAuthorization(wrongCredentials) : undefined;
      const outcome = await client.call({ ...call, authorization });
      log.push({ outcome, boolean: call.boolean ?? false });
      return outcome;
    },
    close: () => client.close(),
    record(result) {
      results.push(result);
    },
  };
}

/** The CA file is read here, once; options.ts already checked that it can be read. */
function trustOf(options: CheckOptions): TlsTrust {
  return {
    ...(options.caFile === undefined ? {} : { ca: readFileSync(options.caFile, "utf8") }),
    ...(options.insecure === true ? { insecure: true } : {}),
  };
}

/** Every secret of a run: the ones given in the options, plus any the run invented. */
export function secretsOf(options: CheckOptions, invented: readonly string[] = []): string[] {
  const out: string[] = [...invented];
  if (options.password !== undefined) out.push(options.password);
  if (options.credentials !== undefined) {
    out.push(options.credentials);
    const secret = options.credentials.slice(options.credentials.indexOf(":") + 1);
    if (secret !== "") out.push(secret);
  }
  return out;
}
