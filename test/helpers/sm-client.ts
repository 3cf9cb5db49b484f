// Raw clients for XEP-0198 tests: a TLS stream authenticated and restarted (ready to <resume/>), or
// logged in, bound and with stream management enabled with resumption (its id returned).
import assert from "node:assert/strict";
import { RawClient } from "./raw-client.ts";

export const NS_SM = "urn:xmpp:sm:3";

/** A direct-TLS connection authenticated as `user` (password `<user>-pw`), its stream restarted. */
export async function authenticated(
  tlsPort: number,
  user: string,
): Promise<{ c: RawClient; features: string }> {
  const c = await RawClient.connect(tlsPort, { tls: true });
  c.open();
  await c.waitFor("</stream:features>");
  const plain = Buffer.from(`\0${user}\0${user}-pw`).toString("base64");
  c.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain}</auth>`);
  await c.waitFor("<success");
  c.received = "";
  c.open();
  const features = await c.waitFor(/<stream:features>[\s\S]*<\/stream:features>/);
  return { c, features };
}

/** Logged in, bound to `resource`, stream management enabled with resumption. */
export async function resumable(
  tlsPort: number,
  user: string,
  resource: string,
): Promise<{ c: RawClient; id: string }> {
  const c = await RawClient.connect(tlsPort, { tls: true });
  c.open();
  await c.waitFor("</stream:features>");
  await c.login(user, `${user}-pw`, "localhost", resource);
  const mark = c.received.length;
  c.write(`<enable xmlns='${NS_SM}' resume='true'/>`);
  const enabled = await c.waitFor(/<enabled [^>]*\/>/, 5000, mark);
  const id = /id=["']([^"']+)["']/.exec(enabled)?.[1];
  assert.ok(id, enabled);
  return { c, id };
}
