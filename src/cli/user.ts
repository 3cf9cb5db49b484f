// `xmpp-http-auth user add|passwd|del|list|exists …`: manages accounts directly in authd's store
// (the one in --config's [authd] table, or the embedded default ./data/authd.sqlite).
// Exit codes: 0 success (for `exists`: the account exists), 1 `exists`: it does not, 2 any error.
import { parseArgs } from "node:util";
import { normaliseAccount } from "../authd/account-name.ts";
import { DEFAULT_DATA_PATH, type AuthdConfig } from "../authd/config.ts";
import { createPasswordHasher } from "../authd/password-hasher.ts";
import { createStoreBackend, type StoreBackend } from "../authd/store-backend.ts";
import { openStore } from "../authd/store/open.ts";
import { XhaError, isXhaError } from "../errors.ts";
import type { CliIo } from "./io.ts";
import { isTty, promptPassword, readPasswordFromStream } from "./read-password.ts";
import { chooseStore } from "./user-store.ts";

const USAGE = `Usage: xmpp-http-auth user <action> [--data DIR | --config FILE] [--password-stdin]

  add JID       create an account (password prompted, or read from stdin)
  passwd JID    change an account's password
  del JID       delete an account
  exists JID    exit 0 when the account exists, 1 when it does not
  list DOMAIN   list the usernames of a domain

  --data DIR         the data directory of 'start --data DIR' (its DIR/authd.sqlite)
  --config FILE      TOML file whose [authd] table names the store
  Without either: the store of a running 'start' found from this directory (or one above), else
  ./${DEFAULT_DATA_PATH}/authd.sqlite if it exists. Only 'add' creates a store, and only one named
  with --data or --config. The store used is printed on stderr.
  --password-stdin   read the password from stdin (one trailing newline removed) instead of prompting
`;

const ACTIONS = ["add", "passwd", "del", "exists", "list"] as const;
type Action = (typeof ACTIONS)[number];

const usage = (message: string): XhaError => new XhaError("XHA_USAGE", message);
/** A malformed command line: the one-line message is followed by the usage text. */
class ShapeError extends XhaError {}

function parseJid(jid: string, config: AuthdConfig): { user: string; server: string } {
  const at = jid.indexOf("@");
  if (at <= 0 || jid.includes("/") || jid.indexOf("@", at + 1) !== -1) {
    throw usage(`not a bare JID (user@domain): ${jid}`);
  }
  const account = normaliseAccount(jid.slice(0, at), jid.slice(at + 1));
  if (!account.ok) throw new XhaError("XHA_JID_INVALID", `invalid JID ${jid}: ${account.reason}`);
  checkDomain(account.server, config);
  return account;
}

function checkDomain(domain: string, config: AuthdConfig): void {
  if (!config.domains.includes(domain)) {
    throw usage(`authd does not serve ${domain} (domains: ${config.domains.join(", ")})`);
  }
}

async function readNewPassword(io: CliIo, fromStdin: boolean): Promise<string> {
  if (fromStdin) return readPasswordFromStream(io.stdin);
  if (!isTty(io.stdin)) throw usage("no terminal to prompt for the password; use --password-stdin");
  const first = await promptPassword(io.stdin, io.stderr, "Password: ");
  const again = await promptPassword(io.stdin, io.stderr, "Again: ");
  if (first !== again) throw usage("the passwords differ");
  return first;
}

async function perform(
  action: Action,
  target: string,
  backend: StoreBackend,
  config: AuthdConfig,
  io: CliIo,
  password: string,
): Promise<number> {
  if (action === "list") {
    const domain = target.toLowerCase();
    checkDomain(domain, config);
    for (const user of await backend.listUsers(domain)) io.stdout.write(`${user}\n`);
    return 0;
  }
  const { user, server } = parseJid(target, config);
  const jid = `${user}@${server}`;
  switch (action) {
    case "exists":
      return (await backend.userExists(user, server)) ? 0 : 1;
    case "del":
      if ((await backend.removeUser(user, server)) === "not-found") throw usage(`no such account: ${jid}`);
      io.stdout.write(`deleted ${jid}\n`);
      return 0;
    case "add":
    case "passwd": {
      const outcome =
        action === "add"
          ? await backend.register(user, server, password)
          : await backend.setPassword(user, server, password);
      if (outcome === "exists") throw usage(`account exists: ${jid}`);
      if (outcome === "not-found") throw usage(`no such account: ${jid}`);
      if (outcome === "invalid-password") throw usage("the password is not allowed (RFC 8265 OpaqueString)");
      io.stdout.write(action === "add" ? `created ${jid}\n` : `password changed for ${jid}\n`);
      return 0;
    }
  }
}

export async function run(args: string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        config: { type: "string" },
        data: { type: "string" },
        "password-stdin": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
    if (values.help === true) {
      io.stdout.write(USAGE);
      return 0;
    }
    const [action, target, ...extra] = positionals;
    if (
      action === undefined ||
      !(ACTIONS as readonly string[]).includes(action) ||
      target === undefined ||
      extra.length > 0
    ) {
      throw new ShapeError(
        "XHA_USAGE",
        action === undefined
          ? "an action is required"
          : !(ACTIONS as readonly string[]).includes(action)
            ? `unknown action: ${action}`
            : `expected: user ${action} ${action === "list" ? "DOMAIN" : "JID"}`,
      );
    }
    const chosen = chooseStore({
      ...(values.config === undefined ? {} : { config: values.config }),
      ...(values.data === undefined ? {} : { data: values.data }),
      action,
      cwd: process.cwd(),
    });
    const config = chosen.config;
    // Everything that can be refused is, before the store is opened (or, for add, created).
    if (action === "list") checkDomain(target.toLowerCase(), config);
    else parseJid(target, config);
    let password = "";
    if (action === "add" || action === "passwd") {
      password = await readNewPassword(io, values["password-stdin"] === true);
      if (password === "") throw usage("the password is empty");
    }
    io.stderr.write(`user: ${chosen.description}\n`);
    const store = await openStore(config.database);
    try {
      // Only add and passwd hash; the others need no Argon2 work (a dummy hash is made at start).
      const hasher = await createPasswordHasher(
        action === "add" || action === "passwd"
          ? config.argon2
          : { memoryKib: 8, iterations: 1, parallelism: 1 },
      );
      const backend = createStoreBackend({ store, hasher, scramIterations: config.scramIterations });
      return await perform(action as Action, target, backend, config, io, password);
    } finally {
      await store.close();
    }
  } catch (err) {
    const message = isXhaError(err) ? err.message : (err as Error).message;
    io.stderr.write(`user: ${message.split("\n")[0]}\n`);
    if (err instanceof ShapeError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") === true) {
      io.stderr.write(`\n${USAGE}`);
    }
    return 2;
  }
}
