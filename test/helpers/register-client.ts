// XEP-0077 over raw XML for tests (@xmpp/client 0.14 has no registration helper), plus the HTTP
// requests Prosody made for the same actions (test/fixtures/prosody-wire/) to compare ours with.
import { readFileSync } from "node:fs";
import { escapeText } from "../../src/xml/element.ts";
import { RawClient } from "./raw-client.ts";
import type { RecordedRequest } from "./auth-api.ts";

const NS_REGISTER = "jabber:iq:register";
let ids = 0;

/** A TLS connection (direct TLS, or STARTTLS on the plain port) with the stream open. */
export async function secureStream(
  opts: { tlsPort?: number; port?: number; to?: string } = {},
): Promise<RawClient> {
  const to = opts.to ?? "localhost";
  if (opts.tlsPort !== undefined) {
    const c = await RawClient.connect(opts.tlsPort, { tls: true, servername: to });
    c.open(to);
    await c.waitFor("</stream:features>");
    return c;
  }
  const c = await RawClient.connect(opts.port ?? 0);
  c.open(to);
  await c.waitFor("</stream:features>");
  await c.starttls(to);
  return c;
}

/** Sends an IQ and returns the whole reply (a result or an error) with that id. */
export async function iq(c: RawClient, type: "get" | "set", payload: string, to?: string): Promise<string> {
  const id = `t${++ids}`;
  const mark = c.received.length;
  c.write(`<iq type='${type}' id='${id}'${to === undefined ? "" : ` to='${to}'`}>${payload}</iq>`);
  const reply = new RegExp(`<iq\\b[^>]*\\bid="${id}"[^>]*?(?:/>|>[\\s\\S]*?</iq>)`);
  return c.waitFor(reply, 5000, mark);
}

/** "result", or the stanza error as "condition/type" (RFC 6120 §8.3). */
export function outcome(reply: string): string {
  if (/^<iq\b[^>]*\btype="result"/.test(reply)) return "result";
  const type = /<error type="(\w+)"/.exec(reply)?.[1];
  const condition = /<([a-z-]+) xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/.exec(reply)?.[1];
  return `${condition ?? "?"}/${type ?? "?"}`;
}

export function registerQuery(fields: { username?: string; password?: string }): string {
  let inner = "";
  if (fields.username !== undefined) inner += `<username>${escapeText(fields.username)}</username>`;
  if (fields.password !== undefined) inner += `<password>${escapeText(fields.password)}</password>`;
  return `<query xmlns='${NS_REGISTER}'>${inner}</query>`;
}

export const REMOVE = `<query xmlns='${NS_REGISTER}'><remove/></query>`;

/** Registers on a fresh secure stream; returns the outcome (see outcome()). */
export async function register(
  where: { tlsPort?: number; port?: number },
  username: string | undefined,
  password: string | undefined,
): Promise<string> {
  const c = await secureStream(where);
  try {
    return outcome(await iq(c, "set", registerQuery({ username, password })));
  } finally {
    c.destroy();
  }
}

/** A secure stream logged in and bound. */
export async function loggedIn(tlsPort: number, user: string, password: string, resource?: string) {
  const c = await secureStream({ tlsPort });
  try {
    await c.login(user, password, "localhost", resource);
  } catch (err) {
    c.destroy();
    throw err;
  }
  return c;
}

/** The comparable part of a request: verb, path and parameters by name (their order is not fixed). */
export interface WireRequest {
  readonly verb: string;
  readonly path: string;
  readonly params: Record<string, string>;
}

export function ours(requests: readonly RecordedRequest[]): WireRequest[] {
  return requests.map((r) => ({ verb: r.method, path: r.path, params: { ...r.params } }));
}

interface WireRecord {
  readonly http_method: string;
  readonly path: string;
  readonly query_params: ReadonlyArray<[string, string]>;
  readonly body_params: ReadonlyArray<[string, string]>;
  readonly method_name: string;
}

// Prosody's recorded requests, kept in the repository (see test/fixtures/prosody-wire/README.md).
const WIRE = new URL("../fixtures/prosody-wire/scenarios-wire.jsonl", import.meta.url);
let records: WireRecord[] | undefined;

/**
 * What Prosody sent for `method` on `user` under its `/auth` base URL, with its host (example.com)
 * renamed to ours so that the two can be compared whole.
 */
export function prosody(method: string, user: string, server = "localhost"): WireRequest {
  records ??= readFileSync(WIRE, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as WireRecord);
  const r = records.find(
    (x) =>
      x.method_name === method &&
      x.path.startsWith("/auth/") &&
      [...x.query_params, ...x.body_params].some(([k, v]) => k === "user" && v === user),
  );
  if (r === undefined) throw new Error(`no recorded ${method} for ${user}`);
  const params: Record<string, string> = {};
  for (const [k, v] of [...r.query_params, ...r.body_params]) params[k] = k === "server" ? server : v;
  return { verb: r.http_method, path: r.path, params };
}
