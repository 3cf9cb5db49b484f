// `check` command-line options: parsed and validated once, up front, into frozen CheckOptions.
// Usage errors never repeat a value given on the command line, since that value may be a secret.
import { readFileSync } from "node:fs";
import { baseUrlFor } from "../auth/http/protocol.ts";
import { XhaError } from "../errors.ts";
import type { CheckOptions, Target } from "./types.ts";

export const CHECK_USAGE = `Usage: xmpp-http-auth check URL [options]

Checks an HTTP auth API (Prosody's mod_auth_http protocol) for conformance.
URL is http_auth_url as Prosody has it; $host in it is replaced by --server.

Options:
  --credentials USER:SECRET  http_auth_credentials (env XMPP_HTTP_AUTH_CREDENTIALS)
  --server HOST              the virtual host sent as server= (default: localhost)
  --user NAME                a known-good account (localpart), for the probes that need a "true"
  --password PASSWORD        its password (env XMPP_HTTP_AUTH_PASSWORD)
  --allow-writes             register, change and remove a throwaway account (xha-check-<random>)
  --json                     print one JSON document instead of the table
  --timeout DURATION         deadline per request (default: 5s; e.g. 500ms, 2s)
  --warn-after DURATION      warn about answers slower than this (default: 1s)
  --target TARGET            prosody, xmpp-http-auth or both (default): whose verdicts count
  --ca FILE                  trust the CA certificates in FILE (PEM) too, for an https API
  --insecure                 do not check the API's certificate at all (said in the report)
  -h, --help                 this text

Without --allow-writes the run never creates, changes or removes an account.
Exit status: 0 usable with every target asked for; 1 not usable with any of them (or the only one);
3 usable with xmpp-http-auth but not with Prosody; 4 usable with Prosody but not with xmpp-http-auth;
2 for a usage error.
`;

/** A command-line mistake: exit status 2. */
export class UsageError extends XhaError {
  constructor(message: string) {
    super("XHA_USAGE", message);
  }
}

export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (m === null) throw new UsageError(`${flag}: expected a duration such as 500ms, 5s or 1m`);
  const n = Number(m[1]);
  const ms = m[2] === "ms" ? n : m[2] === "m" ? n * 60_000 : n * 1000;
  if (!(ms >= 1)) throw new UsageError(`${flag}: the duration must be at least 1ms`);
  return Math.round(ms);
}

const VALUED = [
  "--credentials",
  "--server",
  "--user",
  "--password",
  "--timeout",
  "--warn-after",
  "--target",
  "--ca",
] as const;
const SWITCHES = ["--allow-writes", "--json", "--insecure"] as const;

const TARGET_CHOICES: Readonly<Record<string, readonly Target[]>> = {
  prosody: ["prosody"],
  "xmpp-http-auth": ["xmpp-http-auth"],
  both: ["prosody", "xmpp-http-auth"],
};

export type ParsedArgs =
  { readonly help: true } | { readonly help: false; readonly json: boolean; readonly options: CheckOptions };

export function parseCheckArgs(args: readonly string[], env: NodeJS.ProcessEnv): ParsedArgs {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "-h" || arg === "--help") return { help: true };
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if ((SWITCHES as readonly string[]).includes(name)) {
      if (eq !== -1) throw new UsageError(`${name} takes no value`);
      switches.add(name);
    } else if ((VALUED as readonly string[]).includes(name)) {
      const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      values.set(name, value);
    } else {
      throw new UsageError(`unknown option ${name}`);
    }
  }
  if (positional.length === 0) throw new UsageError("the URL of the API is missing");
  if (positional.length > 1) throw new UsageError("only one URL can be checked at a time");
  const url = positional[0] ?? "";
  const server = values.get("--server") ?? "localhost";
  if (server === "" || /[/\s@]/.test(server)) throw new UsageError("--server: expected a host name");
  validateUrl(url, server);

  const credentials = values.get("--credentials") ?? nonEmpty(env["XMPP_HTTP_AUTH_CREDENTIALS"]);
  if (credentials !== undefined && !credentials.includes(":")) {
    throw new UsageError("--credentials: expected USER:SECRET");
  }
  const user = values.get("--user");
  if (user !== undefined && (user === "" || user.includes("@"))) {
    throw new UsageError("--user: expected the localpart of an account (alice, not alice@example.com)");
  }
  if (values.has("--password") && user === undefined) throw new UsageError("--password needs --user");
  // The environment password only counts when a user was named: it may be set for something else.
  const password =
    user === undefined ? undefined : (values.get("--password") ?? nonEmpty(env["XMPP_HTTP_AUTH_PASSWORD"]));

  const targetName = values.get("--target") ?? "both";
  const targets = TARGET_CHOICES[targetName];
  if (targets === undefined) throw new UsageError("--target: expected prosody, xmpp-http-auth or both");
  const caFile = values.get("--ca");
  if (caFile !== undefined) checkCaFile(caFile);
  const insecure = switches.has("--insecure");
  if (insecure && caFile !== undefined) throw new UsageError("--insecure and --ca exclude each other");

  const timeout = values.get("--timeout");
  const warnAfter = values.get("--warn-after");
  const options: CheckOptions = Object.freeze({
    url,
    server,
    allowWrites: switches.has("--allow-writes"),
    timeoutMs: timeout === undefined ? 5000 : parseDuration(timeout, "--timeout"),
    slowMs: warnAfter === undefined ? 1000 : parseDuration(warnAfter, "--warn-after"),
    targets,
    ...(caFile === undefined ? {} : { caFile }),
    ...(insecure ? { insecure: true } : {}),
    ...(credentials === undefined ? {} : { credentials }),
    ...(user === undefined ? {} : { user }),
    ...(password === undefined ? {} : { password }),
  });
  return { help: false, json: switches.has("--json"), options };
}

/** Read once here so that a missing or non-PEM file is a usage error, not a failed probe. */
function checkCaFile(path: string): void {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new UsageError("--ca: the file cannot be read");
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new UsageError("--ca: the file holds no PEM certificate");
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function validateUrl(template: string, server: string): void {
  let url: URL;
  try {
    url = new URL(baseUrlFor(template, server));
  } catch {
    throw new UsageError("the URL is not a valid absolute URL (e.g. http://127.0.0.1:5280/auth)");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError("the URL must be http or https");
  if (url.username !== "" || url.password !== "") {
    throw new UsageError("put credentials in --credentials or XMPP_HTTP_AUTH_CREDENTIALS, not in the URL");
  }
  if (url.search !== "" || url.hash !== "")
    throw new UsageError("the URL must not carry a query or a fragment");
}
