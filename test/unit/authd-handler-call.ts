// Shared by the handler tests: authd with credentials over a real SQLite file, alice registered,
// and a small fetch wrapper returning status, body and headers.
import assert from "node:assert/strict";
import { basic, startTestAuthd } from "./authd-helpers.ts";

export const CREDENTIALS = "prosody:s3cret-basic";
export const AUTH = basic(CREDENTIALS);
const FORM = "application/x-www-form-urlencoded";

export interface Answer {
  status: number;
  body: string;
  headers: Headers;
}

export async function call(
  base: string,
  method: string,
  path: string,
  init: { body?: string; auth?: string | null; type?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (init.auth !== null) headers["authorization"] = init.auth ?? AUTH;
  if (init.body !== undefined) headers["content-type"] = init.type ?? FORM;
  const res = await fetch(new URL(path, base), {
    method,
    headers,
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

export async function setup(t: Parameters<typeof startTestAuthd>[0], table: Record<string, unknown> = {}) {
  const s = await startTestAuthd(t, { credentials: CREDENTIALS, ...table });
  const origin = new URL(s.authd.url).origin;
  const created = await call(origin, "POST", "/auth/register", {
    body: "user=alice&pass=wonderland&server=example.com",
  });
  assert.equal(created.status, 201);
  return { ...s, origin };
}
