// XEP-0215 as configured by turn_external_*: which services a host lists, the TURN REST credentials,
// and the options refused with a message naming the key.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseServerConfig } from "../../src/config/load.ts";
import { servicesOf } from "../../src/modules/external-services/external-services.ts";
import { turnCredentials } from "../../src/modules/external-services/credentials.ts";

const base = { hosts: { localhost: { http_auth_url: "http://127.0.0.1:5380/auth" } } };
const hostOptions = (extra: Record<string, unknown>) => {
  const o = parseServerConfig({ ...base, ...extra }, "my.toml").hosts.get("localhost");
  assert.ok(o !== undefined);
  return o;
};

test("no secret, no services; UDP by default, TCP and TURNS when asked, the host's name by default", () => {
  assert.deepEqual(servicesOf("localhost", hostOptions({})), []);
  const udp = servicesOf("localhost", hostOptions({ turn_external_secret: "s" }));
  assert.deepEqual(
    udp.map((s) => `${s.type}/${s.transport} ${s.host}:${s.port}`),
    ["stun/udp localhost:3478", "turn/udp localhost:3478"],
  );
  const all = servicesOf(
    "localhost",
    hostOptions({
      turn_external_secret: "s",
      turn_external_tcp: true,
      turn_external_tls_port: 443,
      turn_external_port: 3479,
    }),
  );
  assert.deepEqual(
    all.map((s) => `${s.type}/${s.transport}:${s.port}`),
    ["stun/udp:3479", "turn/udp:3479", "stun/tcp:3479", "turn/tcp:3479", "turns/tcp:443"],
  );
});

test("TURN REST credentials: expiry[:name], base64 HMAC-SHA1 of it under the secret", () => {
  // Computed by hand: printf '1700003600:xmpp' | openssl dgst -sha1 -hmac secret -binary | base64
  const c = turnCredentials("secret", 3600, "xmpp", 1_700_000_000_000);
  assert.equal(c.username, "1700003600:xmpp");
  assert.equal(c.expires, 1_700_003_600);
  assert.equal(c.password, "meZkFpe2kHAWGWhMS0ua2wgoAkE=");
  assert.equal(turnCredentials("secret", 60, undefined, 1_000_000).username, "1060");
});

for (const [doc, key] of [
  [{ turn_external_host: "not a host" }, "turn_external_host"],
  [{ turn_external_port: 0 }, "turn_external_port"],
  [{ turn_external_ttl: 10 }, "turn_external_ttl"],
  [{ turn_external_secret: "" }, "turn_external_secret"],
  [{ turn_external_tls_port: "443" }, "turn_external_tls_port"],
] as const) {
  test(`${JSON.stringify(doc)} is refused, naming the key`, () => {
    assert.throws(
      () => parseServerConfig({ ...base, ...doc }, "my.toml"),
      (err: Error) => err.message.includes(key),
    );
  });
}
