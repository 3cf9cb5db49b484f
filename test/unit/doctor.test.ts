// `doctor` against real parts: a real authd over HTTP, real SQLite stores, real certificate files,
// real sockets for the ports; DNS through an injected resolver (the logic) and through a real
// resolver pointed at a port where no DNS server answers (the "unreachable, skipped" path).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Resolver } from "node:dns/promises";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { main } from "../../src/cli/main.ts";
import { checkCertificates } from "../../src/doctor/certificates.ts";
import { checkDns, type DnsResolver } from "../../src/doctor/dns.ts";
import { renderFinding, type Finding } from "../../src/doctor/finding.ts";
import { runDoctor } from "../../src/doctor/run-doctor.ts";
import { openSqliteChatStore } from "../../src/storage/sqlite.ts";
import { startTestAuthd } from "./authd-helpers.ts";
import { freePort } from "../helpers/free-port.ts";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));
const CA = fixture("ca.crt");

function fakeDns(records: {
  srv?: Record<string, { name: string; port: number }[]>;
  a?: Record<string, string[]>;
  aaaa?: Record<string, string[]>;
}): DnsResolver {
  const answer = <T>(table: Record<string, T[]> | undefined, name: string): Promise<T[]> => {
    const found = table?.[name];
    return found === undefined
      ? Promise.reject(Object.assign(new Error(`no ${name}`), { code: "ENODATA" }))
      : Promise.resolve(found);
  };
  return {
    resolveSrv: (n) => answer(records.srv, n),
    resolve4: (n) => answer(records.a, n),
    resolve6: (n) => answer(records.aaaa, n),
    resolveNs: (n) => answer({ ".": ["a.root-servers.net"] }, n),
  };
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "xha-doctor-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const lines = (findings: Finding[]) => findings.map(renderFinding).join("\n");

void test("a healthy configuration: no failure, one line per finding, exit 0", async (t) => {
  const dir = tempDir(t);
  const api = await startTestAuthd(t, { credentials: "xmpp:s3cret", domains: ["localhost"] });
  // The chat store as a previous start left it: created and migrated.
  await openSqliteChatStore(join(dir, "xmpp.sqlite")).close();
  const [c2s, tls] = [await freePort(), await freePort()];
  const file = join(dir, "config.toml");
  writeFileSync(
    file,
    [
      'interfaces = ["127.0.0.1"]',
      `c2s_ports = [${c2s}]`,
      `c2s_direct_tls_ports = [${tls}]`,
      "http_ports = []",
      "https_ports = []",
      `certificate = "${fixture("server.crt")}"`,
      `key = "${fixture("server.key")}"`,
      `data_path = "${dir}"`,
      '[hosts."localhost"]',
      `http_auth_url = "${api.authd.url}"`,
      'http_auth_credentials = "xmpp:s3cret"',
      "[authd]",
      `database = "${api.config.database}"`,
      "",
    ].join("\n"),
  );
  const findings = await runDoctor(file, { extraCaFile: CA });
  const text = lines(findings);
  assert.deepEqual(
    findings.filter((f) => f.status === "fail" || f.status === "warn"),
    [],
    text,
  );
  for (const expected of [
    /^OK {4}config {7}.*valid, 1 host\(s\): localhost$/m,
    /^OK {4}certificate .*server\.crt: valid until/m,
    /^OK {4}certificate +names localhost$/m,
    /^OK {4}certificate .*server\.key matches the certificate$/m,
    /^OK {4}certificate +chain: 1 certificate\(s\), ending at a trusted root$/m,
    /^SKIP {2}dns +no public host names to look up$/m,
    new RegExp(`^OK {4}port +c2s 127\\.0\\.0\\.1:${c2s} can be bound$`, "m"),
    /^OK {4}auth-api +localhost: http:\/\/127\.0\.0\.1:\d+\/auth answers \(\d+ read-only checks passed\)$/m,
    /^OK {4}storage +chat store .*xmpp\.sqlite: reachable, schema version \d+$/m,
    /^OK {4}storage +account store \(authd\) .*authd\.sqlite: reachable, schema version \d+$/m,
    /^SKIP {2}redis/m,
  ])
    assert.match(text, expected);
  assert.doesNotMatch(text, /s3cret/, "credentials never printed");

  // The command: the same lines, exit 0.
  const stdout = new PassThrough();
  let out = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  const code = await main(["doctor", "--config", file], {
    stdout,
    stderr: new PassThrough(),
    stdin: Readable.from([]),
    env: { NODE_EXTRA_CA_CERTS: CA },
    stopSignal: new Promise(() => {}),
  });
  assert.equal(code, 0, out);
  assert.match(out, /\n0 failed, \d+ warning\(s\), \d+ finding\(s\)\n$/);
});

void test("a broken configuration: each fault is one FAIL (or WARN) line, exit 1", async (t) => {
  const dir = tempDir(t);
  const api = await startTestAuthd(t, { credentials: "xmpp:s3cret" });
  const busy: Server = createServer();
  await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
  t.after(() => busy.close());
  const file = join(dir, "config.toml");
  writeFileSync(
    file,
    [
      'interfaces = ["127.0.0.1"]',
      `c2s_ports = [${(busy.address() as AddressInfo).port}]`,
      "c2s_direct_tls_ports = []",
      "http_ports = []",
      "https_ports = []",
      `certificate = "${fixture("server.crt")}"`,
      `key = "${fixture("ca.key")}"`, // not the certificate's key
      `data_path = "${dir}"`,
      '[hosts."not-in-cert.test"]',
      `http_auth_url = "${api.authd.url}/wrong"`,
      'http_auth_credentials = "xmpp:s3cret"',
      "",
    ].join("\n"),
  );
  const findings = await runDoctor(file, { resolver: fakeDns({}), extraCaFile: CA });
  const text = lines(findings);
  for (const expected of [
    /^FAIL {2}certificate +does not name not-in-cert\.test \(subject alt names: DNS:localhost/m,
    /^FAIL {2}certificate .*ca\.key is not the key of .*server\.crt$/m,
    /^WARN {2}port +c2s 127\.0\.0\.1:\d+ is in use/m,
    /^FAIL {2}auth-api +not-in-cert\.test: .*\/auth\/wrong: reachable: 404: nothing at this URL; is the URL right\?/m,
    /^FAIL {2}dns +not-in-cert\.test: no A or AAAA record/m,
    /^WARN {2}storage +chat store .*xmpp\.sqlite: not created yet/m,
  ])
    assert.match(text, expected);
  const stdout = new PassThrough();
  let out = "";
  stdout.on("data", (c: Buffer) => (out += c.toString()));
  const code = await main(["doctor", "--config", file], {
    stdout,
    stderr: new PassThrough(),
    stdin: Readable.from([]),
    env: {},
    stopSignal: new Promise(() => {}),
  });
  assert.equal(code, 1, out);
});

void test("an invalid config is one FAIL line naming the file and the key", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "config.toml");
  writeFileSync(
    file,
    'c2s_port = [5222]\n[hosts."example.com"]\nhttp_auth_url = "http://127.0.0.1:1/auth"\n',
  );
  const findings = await runDoctor(file);
  assert.equal(findings.length, 1);
  assert.match(
    renderFinding(findings[0]!),
    /^FAIL {2}config +.*config\.toml: c2s_port is not a known option \(did you mean "c2s_ports"\?\)$/,
  );
});

void test("DNS: skipped with a note when no DNS server answers (a real resolver, nobody listening)", async () => {
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([`127.0.0.1:${await freePort()}`]);
  const findings = await checkDns({
    hosts: ["example.com"],
    c2sPorts: [5222],
    directTlsPorts: [5223],
    resolver,
  });
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.status, "skip");
  assert.match(findings[0]?.message ?? "", /no DNS server answered \(\w+\): SRV and A\/AAAA not checked/);
});

void test("DNS: skipped when the resolver answers 'not found' to everything, the root zone included", async () => {
  const nothing = () => Promise.reject(Object.assign(new Error("not found"), { code: "ENOTFOUND" }));
  const findings = await checkDns({
    hosts: ["example.com"],
    c2sPorts: [5222],
    directTlsPorts: [],
    resolver: { resolveSrv: nothing, resolve4: nothing, resolve6: nothing, resolveNs: nothing },
  });
  assert.deepEqual(
    findings.map((f) => [f.status, f.message]),
    [["skip", "DNS does not resolve the root zone (ENOTFOUND): SRV and A/AAAA not checked"]],
  );
});

void test("DNS: a stray SRV port warns, a missing SRV falls back to the host's addresses, localhost is skipped", async () => {
  const findings = await checkDns({
    hosts: ["example.com", "localhost"],
    c2sPorts: [5222],
    directTlsPorts: [],
    resolver: fakeDns({
      srv: { "_xmpp-client._tcp.example.com": [{ name: "example.com", port: 5999 }] },
      a: { "example.com": ["192.0.2.1"] },
    }),
  });
  const text = lines(findings);
  assert.match(
    text,
    /^WARN {2}dns +_xmpp-client\._tcp\.example\.com → example\.com:5999: port 5999 is not one/m,
  );
  assert.match(text, /^OK {4}dns +_xmpps-client\._tcp\.example\.com: no SRV record \(direct TLS/m);
  assert.match(text, /^OK {4}dns +example\.com → 192\.0\.2\.1$/m);
  assert.doesNotMatch(text, /localhost/);
});

void test("certificates: expiry and the chain are judged against the clock and the trusted roots", () => {
  const input = {
    certificate: fixture("server.crt"),
    key: fixture("server.key"),
    dataPath: "/nonexistent",
    hosts: ["localhost"],
  };
  const expired = checkCertificates({ ...input, extraRoots: [], now: Date.parse("2200-01-01") });
  assert.match(lines(expired), /^FAIL {2}certificate .*server\.crt: expired on/m);
  assert.match(
    lines(expired),
    /^FAIL {2}certificate +chain: the issuer of .* is not a trusted root; is the intermediate missing/m,
  );
  const soon = checkCertificates({ ...input, now: Date.parse("2126-11-01") });
  assert.match(lines(soon), /^WARN {2}certificate .*expires in \d+ days/m);
  const none = checkCertificates({ ...input, certificate: undefined, key: undefined });
  assert.match(
    lines(none),
    /^WARN {2}certificate +none configured: a self-signed one is generated at start/m,
  );
});
