// Reload without restart (issue 15 item 8), with real sockets: a renewed certificate (Prosody's
// `certificates` directory, Let's Encrypt layout) serves the next TLS client while a session opened
// before keeps chatting; a new host appears and gets its own certificate by SNI; an invalid file is
// refused and the old configuration stays; a removed host's sessions end with host-gone; options
// that need a restart are reported; `xmpp-http-auth reload` finds the server by its pid file.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable, PassThrough } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import { connect as netConnect } from "node:net";
import { X509Certificate } from "node:crypto";
import { execFileSync } from "node:child_process";
import { loadServerConfig } from "../../src/config/load.ts";
import { createLogger } from "../../src/log.ts";
import { createXmppServer, type XmppServer } from "../../src/server.ts";
import { createReloader, type Reloader } from "../../src/reload/reloader.ts";
import { writePidFile } from "../../src/reload/run-files.ts";
import { main } from "../../src/cli/main.ts";
import { startAuthApi, type TestAuthApi } from "../helpers/auth-api.ts";
import { RawClient, TEST_CERT, TEST_KEY } from "../helpers/raw-client.ts";
import { ChatClient, xml, type XmlElement } from "../helpers/chat-client.ts";

let api: TestAuthApi;
let dir: string;
let certs: string;
let file: string;
let server: XmppServer;
let reloader: Reloader;
let tlsPort: number;
let c2sPort: number;
const logs: string[] = [];
const TEST_CA_CERT = new URL("../fixtures/tls/ca.crt", import.meta.url).pathname;
const TEST_CA_KEY = new URL("../fixtures/tls/ca.key", import.meta.url).pathname;

/** A fresh key and certificate for `name`, signed by the test CA (so clients that verify accept it). */
function issue(name: string): { cert: string; key: string } {
  const work = mkdtempSync(join(dir, "issue-"));
  const [key, csr, crt, ext] = ["k.pem", "r.csr", "c.pem", "ext.cnf"].map((f) => join(work, f)) as [
    string,
    string,
    string,
    string,
  ];
  writeFileSync(ext, `subjectAltName=DNS:${name}\n`);
  execFileSync(
    "openssl",
    ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"].concat([
      "-keyout",
      key,
      "-out",
      csr,
      "-subj",
      `/CN=${name}`,
    ]),
    { stdio: "ignore" },
  );
  execFileSync(
    "openssl",
    ["x509", "-req", "-in", csr, "-CA", TEST_CA_CERT, "-CAkey", TEST_CA_KEY].concat([
      "-set_serial",
      String(Date.now()),
      "-days",
      "2",
      "-extfile",
      ext,
      "-out",
      crt,
    ]),
    { stdio: "ignore" },
  );
  return { cert: readFileSync(crt, "utf8"), key: readFileSync(key, "utf8") };
}

const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

/** The certificate a new direct-TLS client is shown for an SNI name. */
function certSeen(servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ port: tlsPort, host: "127.0.0.1", servername, rejectUnauthorized: false }, () => {
      const fp = s.getPeerCertificate().fingerprint256;
      s.destroy();
      resolve(fp);
    });
    s.once("error", reject);
  });
}

/** The certificate shown after STARTTLS (RFC 6120 §5.4) on the plain port, for an SNI name. */
async function certSeenOnStartTls(servername: string): Promise<string> {
  const plain = netConnect({ port: c2sPort, host: "127.0.0.1" });
  let got = "";
  plain.setEncoding("utf8");
  const until = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => (got.includes(text) ? resolve() : undefined);
      plain.on("data", (d: string) => {
        got += d;
        check();
      });
      plain.once("error", reject);
      check();
    });
  await new Promise((r) => plain.once("connect", r));
  plain.write(
    `<stream:stream to='${servername}' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`,
  );
  await until("</stream:features>");
  plain.write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  await until("<proceed");
  plain.removeAllListeners("data");
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ socket: plain, servername, rejectUnauthorized: false }, () => {
      const fp = s.getPeerCertificate().fingerprint256;
      s.destroy();
      resolve(fp);
    });
    s.once("error", reject);
  });
}

function writeConfig(body: string): void {
  writeFileSync(
    file,
    `interfaces = ["127.0.0.1"]\nc2s_ports = [0]\nc2s_direct_tls_ports = [0]\nhttp_ports = []\nhttps_ports = []\n` +
      `data_path = ${JSON.stringify(dir)}\ncertificates = ${JSON.stringify(certs)}\n${body}`,
  );
}

const localhostOnly = () => `[hosts.localhost]\nhttp_auth_url = "${api.url}"\n`;
const withExampleNet = () => localhostOnly() + `[hosts."example.net"]\nhttp_auth_url = "${api.url}"\n`;

before(async () => {
  api = await startAuthApi({ "alice@localhost": "alice-pw", "bob@localhost": "bob-pw" });
  dir = mkdtempSync(join(tmpdir(), "xha-reload-"));
  certs = join(dir, "certs-dir");
  // Let's Encrypt's layout first: <dir>/<host>/fullchain.pem + privkey.pem.
  mkdirSync(join(certs, "localhost"), { recursive: true });
  copyFileSync(TEST_CERT, join(certs, "localhost", "fullchain.pem"));
  copyFileSync(TEST_KEY, join(certs, "localhost", "privkey.pem"));
  file = join(dir, "server.toml");
  writeConfig(localhostOnly());
  const destination = new Writable({
    write(chunk: Buffer, _e, cb) {
      logs.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      cb();
    },
  });
  const logger = createLogger({ level: "debug", destination });
  server = createXmppServer({ config: loadServerConfig(file), logger });
  await server.start();
  c2sPort = server.listeners.find((l) => l.kind === "c2s")!.address.port;
  tlsPort = server.listeners.find((l) => l.kind === "c2s_direct_tls")!.address.port;
  reloader = createReloader({ server, file, logger, statusDir: dir });
});

after(async () => {
  await server.stop();
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

const isBody = (body: string) => (s: XmlElement) => s.name === "message" && s.getChildText("body") === body;

test("a renewed certificate serves new TLS clients while a session opened before keeps chatting", async () => {
  const original = fingerprint(readFileSync(TEST_CERT, "utf8"));
  assert.equal(await certSeen("localhost"), original);
  const alice = await ChatClient.login(c2sPort, "alice", "alice-pw");
  const bob = await ChatClient.login(c2sPort, "bob", "bob-pw");
  try {
    // The renewal, in the <host>.crt/<host>.key layout (tried before <host>/fullchain.pem).
    const renewed = issue("localhost");
    writeFileSync(join(certs, "localhost.crt"), renewed.cert);
    writeFileSync(join(certs, "localhost.key"), renewed.key);
    const report = await reloader.reload();
    assert.equal(report.ok, true, report.error);
    assert.deepEqual(report.restartRequired, []);
    assert.equal(await certSeen("localhost"), fingerprint(renewed.cert));
    assert.equal(await certSeenOnStartTls("localhost"), fingerprint(renewed.cert));
    // Sessions from before the reload are untouched and still route both ways.
    await alice.send(xml("message", { to: bob.jid, type: "chat" }, xml("body", {}, "after reload")));
    await bob.waitFor(isBody("after reload"), "a message sent after the reload");
    await bob.send(xml("message", { to: alice.jid, type: "chat" }, xml("body", {}, "still here")));
    await alice.waitFor(isBody("still here"), "the reply");
    // And a new login works, through the provider the reload left in place.
    const carol = await ChatClient.login(c2sPort, "alice", "alice-pw", "second");
    await carol.stop();
  } finally {
    await alice.stop();
    await bob.stop();
  }
});

test("a new host appears, with its own certificate chosen by SNI; removing it closes its sessions with host-gone", async () => {
  const before = await RawClient.connect(c2sPort);
  before.open("example.net");
  await before.waitFor("<host-unknown");
  before.destroy();

  const own = issue("example.net");
  mkdirSync(join(certs, "example.net"));
  writeFileSync(join(certs, "example.net", "fullchain.pem"), own.cert);
  writeFileSync(join(certs, "example.net", "privkey.pem"), own.key);
  writeConfig(withExampleNet());
  const report = await reloader.reload();
  assert.equal(report.ok, true, report.error);
  assert.deepEqual(report.added, ["example.net"]);

  const client = await RawClient.connect(c2sPort);
  client.open("example.net");
  await client.waitFor("</stream:features>");
  assert.doesNotMatch(client.received, /host-unknown/);
  assert.equal(await certSeen("example.net"), fingerprint(own.cert));
  assert.equal(await certSeenOnStartTls("example.net"), fingerprint(own.cert), "SNI on STARTTLS too");
  assert.notEqual(await certSeen("localhost"), fingerprint(own.cert));

  writeConfig(localhostOnly());
  const removal = await reloader.reload();
  assert.equal(removal.ok, true, removal.error);
  assert.deepEqual(removal.removed, ["example.net"]);
  await client.waitFor("<host-gone");
  client.destroy();
});

test("an invalid new configuration is refused with its reason and the old one stays in force", async () => {
  const served = await certSeen("localhost");
  writeConfig(localhostOnly() + `c2s_require_encryptoin = false\n`);
  const typo = await reloader.reload();
  assert.equal(typo.ok, false);
  assert.match(typo.error ?? "", /c2s_require_encryptoin.*did you mean/);
  assert.ok(logs.some((l) => l.includes("reload refused") && l.includes("c2s_require_encryptoin")));

  // A certificate that does not load is refused as a whole too.
  writeFileSync(join(certs, "localhost.key"), "not a key");
  writeConfig(withExampleNet());
  const badCert = await reloader.reload();
  assert.equal(badCert.ok, false);
  assert.match(badCert.error ?? "", /do not load/);

  // Nothing of either attempt took effect.
  assert.equal(await certSeen("localhost"), served);
  const client = await RawClient.connect(c2sPort);
  client.open("example.net");
  await client.waitFor("<host-unknown");
  client.destroy();
  const alice = await ChatClient.login(c2sPort, "alice", "alice-pw");
  await alice.stop();
  rmSync(join(certs, "localhost.key"));
  rmSync(join(certs, "localhost.crt"));
  writeConfig(localhostOnly());
});

test("options that need a restart are reported and keep their old value; limits change for new connections", async () => {
  writeFileSync(
    file,
    `interfaces = ["127.0.0.1"]\nc2s_ports = [1]\nc2s_direct_tls_ports = [0]\nhttp_ports = []\nhttps_ports = []\n` +
      `data_path = ${JSON.stringify(dir)}\ncertificates = ${JSON.stringify(certs)}\nc2s_stanza_size_limit = 2048\n${localhostOnly()}`,
  );
  const report = await reloader.reload();
  assert.equal(report.ok, true, report.error);
  assert.deepEqual(report.restartRequired, ["c2s_ports"]);
  assert.deepEqual(server.ctx.global.c2s_ports, [0]);
  assert.equal(server.ctx.global.c2s_stanza_size_limit, 2048);
  // The new limit holds for a connection made now: a 4 KiB stanza is too big.
  const client = await RawClient.connect(c2sPort);
  client.open();
  await client.waitFor("</stream:features>");
  client.write(`<message to='x@localhost'><body>${"x".repeat(4096)}</body></message>`);
  await client.waitFor("<policy-violation");
  client.destroy();
  writeConfig(localhostOnly());
  assert.equal((await reloader.reload()).ok, true);
});

test("`xmpp-http-auth reload` signals the server named by the pid file and prints its verdict", async () => {
  const removePid = writePidFile(dir);
  const onHup = () => void reloader.reload();
  process.on("SIGHUP", onHup);
  try {
    const run = async (args: string[]) => {
      const out = new PassThrough();
      const err = new PassThrough();
      let stdout = "";
      let stderr = "";
      out.on("data", (d: Buffer) => (stdout += d.toString()));
      err.on("data", (d: Buffer) => (stderr += d.toString()));
      const code = await main(["reload", ...args], {
        stdout: out,
        stderr: err,
        stdin: new PassThrough(),
        env: {},
        stopSignal: new Promise(() => {}),
      });
      return { code, stdout, stderr };
    };
    writeConfig(withExampleNet());
    const ok = await run(["--config", file]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /reloaded\n {2}hosts added: example\.net/);
    // A file that does not validate is reported before any signal is sent.
    writeConfig(localhostOnly() + "bogus_option = 1\n");
    const bad = await run(["--config", file]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /bogus_option is not a per-host option/);
    writeConfig(localhostOnly());
    assert.equal((await run(["--config", file])).code, 0);
  } finally {
    process.off("SIGHUP", onHup);
    removePid();
  }
});
