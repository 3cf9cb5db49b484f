// Packaging: what `npm pack` puts in the tarball is enough to run. The tarball is installed into a
// clean prefix laid out as `npm install -g --prefix` lays it out (lib/node_modules/<name>, a bin/
// link), its runtime dependencies linked from this project's node_modules (only `dependencies`:
// a runtime import of a devDependency would fail here), so no registry is needed and the test stays
// fast (the build is reused when dist/ is up to date). Then `xmpp-http-auth start` runs from an
// empty directory, `user add` makes an account and a client logs in with it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RawClient } from "../helpers/raw-client.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Whether a command is on PATH (looked up without spawning: npm alone takes a second to start). */
const onPath = (cmd: string): boolean =>
  (process.env["PATH"] ?? "").split(delimiter).some((dir) => dir !== "" && existsSync(join(dir, cmd)));
const skip = !onPath("npm") ? "npm is not installed" : !onPath("tar") ? "tar is not installed" : false;

const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

/** Whether dist/ holds a build of every source file at least as new as it. */
function distIsFresh(): boolean {
  const src = join(ROOT, "src");
  const sources = readdirSync(src, { recursive: true, encoding: "utf8" }).filter(
    (f) => f.endsWith(".ts") && !f.endsWith(".test.ts"),
  );
  return sources.every((f) => {
    try {
      return (
        statSync(join(ROOT, "dist", f.replace(/\.ts$/, ".js"))).mtimeMs >= statSync(join(src, f)).mtimeMs
      );
    } catch {
      return false;
    }
  });
}

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 180_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

void test(
  "npm pack → install into a clean prefix → `xmpp-http-auth start` serves",
  { skip, timeout: 300_000 },
  async (t) => {
    const tmp = mkdtempSync(join(tmpdir(), "xha-pack-"));
    const children: ChildProcess[] = [];
    t.after(() => {
      for (const child of children) child.kill("SIGKILL");
      rmSync(tmp, { recursive: true, force: true });
    });
    // The package as `prepare` builds it: this repository's dist/ when it is up to date with src/ (as
    // after `npm ci` or `npm run build`), else a build aside, so the repository's dist/ is untouched.
    const pkg = join(tmp, "pkg");
    mkdirSync(pkg);
    for (const f of ["package.json", "README.md", "bin"])
      cpSync(join(ROOT, f), join(pkg, f), { recursive: true });
    if (distIsFresh()) cpSync(join(ROOT, "dist"), join(pkg, "dist"), { recursive: true });
    else
      run(
        process.execPath,
        [TSC, "-p", join(ROOT, "tsconfig.build.json"), "--outDir", join(pkg, "dist")],
        ROOT,
      );
    const packed = JSON.parse(
      run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], pkg),
    ) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = packed[0]?.files.map((f) => f.path) ?? [];
    assert.ok(
      files.includes("dist/cli/entry.js") && files.includes("bin/xmpp-http-auth.js"),
      files.join(" "),
    );
    assert.ok(
      !files.some((f) => f.startsWith("src/") || f.startsWith("test/")),
      "no sources or tests shipped",
    );

    // Installed as npm -g lays it out.
    const prefix = join(tmp, "prefix");
    const installed = join(prefix, "lib", "node_modules", "xmpp-http-auth");
    mkdirSync(installed, { recursive: true });
    run("tar", ["xzf", join(tmp, packed[0]?.filename ?? ""), "-C", installed, "--strip-components=1"], tmp);
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    for (const dep of Object.keys(manifest.dependencies)) {
      const link = join(installed, "node_modules", dep);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(join(ROOT, "node_modules", dep), link);
    }
    mkdirSync(join(prefix, "bin"));
    symlinkSync(
      "../lib/node_modules/xmpp-http-auth/bin/xmpp-http-auth.js",
      join(prefix, "bin", "xmpp-http-auth"),
    );
    const bin = join(prefix, "bin", "xmpp-http-auth");

    const work = join(tmp, "work");
    mkdirSync(work);
    const start = spawn(bin, ["start", "--port", "0", "--tls-port", "0", "--http-port", "0"], {
      cwd: work,
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(start);
    let output = "";
    start.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`start did not come up: ${output}`)), 60_000);
      start.once("exit", (code) => reject(new Error(`start exited ${code}: ${output}`)));
      start.stdout?.on("data", (d: Buffer) => {
        output += d.toString();
        if (output.includes("Press Ctrl-C to stop.")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    // From an installed command, the hints name the command itself.
    assert.match(output, /create an account: +xmpp-http-auth user add alice@localhost\n/);
    const tlsPort = Number(/XMPP \(direct TLS\)\s+localhost:(\d+)/.exec(output)?.[1]);
    const cert = readFileSync(join(work, "data", "certs", "selfsigned.crt"), "utf8");
    const added = spawnSync(bin, ["user", "add", "bob@localhost", "--password-stdin"], {
      cwd: work,
      input: "builder\n",
      encoding: "utf8",
    });
    assert.equal(added.status, 0, added.stderr);
    const c = await RawClient.connect(tlsPort, { tls: true, ca: cert });
    c.open();
    await c.waitFor("</stream:features>");
    assert.match(await c.login("bob", "builder"), /^bob@localhost\//);
    c.destroy();
    const exited = new Promise<number | null>((resolve) => start.once("exit", (code) => resolve(code)));
    start.kill("SIGINT");
    assert.equal(await exited, 0, output);
  },
);
