// The STUN/TURN server named by turn_external_host: a host name or an IP address, as a client dials it.
import { isIP } from "node:net";
import type { Check } from "../../config/validators.ts";

const HOST_NAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

export const turnHost: Check<string> = (v) =>
  typeof v === "string" && (isIP(v) !== 0 || HOST_NAME.test(v))
    ? { ok: true, value: v }
    : { ok: false, message: 'must be a host name or an IP address, such as "turn.example.com"' };
