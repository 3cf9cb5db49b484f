// Short-lived TURN credentials from a secret shared with the TURN server (draft-uberti-behave-turn-rest,
// what coturn's use-auth-secret checks): the username is the expiry in Unix seconds, optionally
// followed by ":name"; the password is base64(HMAC-SHA1(secret, username)). Nothing is stored.
import { createHmac } from "node:crypto";

export interface TurnCredentials {
  readonly username: string;
  readonly password: string;
  /** Unix seconds. */
  readonly expires: number;
}

export function turnCredentials(
  secret: string,
  ttlSeconds: number,
  name: string | undefined,
  nowMs: number = Date.now(),
): TurnCredentials {
  const expires = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = name === undefined ? String(expires) : `${expires}:${name}`;
  const password = createHmac("sha1", secret).update(username).digest("base64");
  return { username, password, expires };
}
