// The defence options are validated once at start-up, and an error names the key.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseServerConfig } from "../../src/config/load.ts";

const base = { hosts: { localhost: { http_auth_url: "http://127.0.0.1:5380/auth" } } };
const parse = (doc: Record<string, unknown>) => parseServerConfig({ ...base, ...doc }, "my.toml");

test("defaults: Prosody's limits, loopback proxies and metrics readers, no PROXY ports", () => {
  const g = parse({}).global;
  assert.equal(g.limit_auth_max, 5);
  assert.equal(g.limit_auth_period, 30);
  assert.deepEqual(g.trusted_proxies, ["127.0.0.1", "::1"]);
  assert.deepEqual(g.proxy_port_mappings, {});
  assert.deepEqual(g.openmetrics_allow_ips, ["127.0.0.1", "::1"]);
  assert.equal(g.openmetrics_token, undefined);
});

test("good values pass", () => {
  const g = parse({
    trusted_proxies: ["10.0.0.0/8", "2001:db8::/32", "192.0.2.1"],
    proxy_port_mappings: { "15222": "c2s", "15223": "c2s_direct_tls", "15280": "http" },
    openmetrics_allow_cidr: "172.17.2.0/24",
    openmetrics_token: "0123456789abcdef0123",
    limit_auth_account_max: 0,
  }).global;
  assert.equal(g.proxy_port_mappings["15223"], "c2s_direct_tls");
});

for (const [doc, key, why] of [
  [{ trusted_proxies: ["10.0.0.0/33"] }, "trusted_proxies", /prefix length/],
  [{ trusted_proxies: ["proxy.example"] }, "trusted_proxies", /not an IP address/],
  [{ proxy_trusted_proxies: "127.0.0.1" }, "proxy_trusted_proxies", /list/],
  [{ proxy_port_mappings: { x: "c2s" } }, "proxy_port_mappings", /not a port/],
  [{ proxy_port_mappings: { "15222": "s2s" } }, "proxy_port_mappings", /must be one of/],
  [{ openmetrics_allow_cidr: "10.0.0.1" }, "openmetrics_allow_cidr", /CIDR/],
  [{ openmetrics_token: "short" }, "openmetrics_token", /16 to 512/],
  [{ limit_auth_max: -1 }, "limit_auth_max", /whole number/],
  [{ limit_auth_tarpit_delay: 61 }, "limit_auth_tarpit_delay", /seconds/],
] as const) {
  test(`${key}: ${JSON.stringify(doc)} is refused, naming the key`, () => {
    assert.throws(
      () => parse(doc),
      (err: Error) => err.message.includes(key) && why.test(err.message),
    );
  });
}
