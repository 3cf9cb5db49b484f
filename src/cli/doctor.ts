// `xmpp-http-auth doctor --config FILE`: the server's checks on its own configuration, one line per
// finding. Exit status: 0 when nothing failed (warnings allowed), 1 when something did, 2 for usage.
import type { CliIo } from "./io.ts";
import { parseCommandArgs } from "./args.ts";
import { reportError } from "./report-error.ts";
import { renderFinding } from "../doctor/finding.ts";
import { runDoctor } from "../doctor/run-doctor.ts";

const HELP = `Usage: xmpp-http-auth doctor --config FILE

Checks what the server in FILE needs before users arrive: the configuration, the certificate (expiry,
names of every host, key, chain), DNS (SRV and A/AAAA records; skipped when no DNS server answers),
the listening ports, each host's HTTP auth API (a read-only conformance run with the configured
credentials), the stores (reachable, schema version) and Redis when [cluster] redis is set.
One line per finding: OK, WARN, FAIL or SKIP. Exit status 1 when anything failed.
`;

export async function run(args: string[], io: CliIo): Promise<number> {
  try {
    const { values } = parseCommandArgs(args, {
      config: { type: "string", short: "c" },
      help: { type: "boolean", short: "h" },
    });
    if (values.help === true) {
      io.stdout.write(HELP);
      return 0;
    }
    if (values.config === undefined) {
      io.stderr.write(`xmpp-http-auth doctor: --config FILE is required\n\n${HELP}`);
      return 2;
    }
    const findings = await runDoctor(values.config, { extraCaFile: io.env["NODE_EXTRA_CA_CERTS"] });
    for (const f of findings) io.stdout.write(renderFinding(f) + "\n");
    const failed = findings.filter((f) => f.status === "fail").length;
    const warned = findings.filter((f) => f.status === "warn").length;
    io.stdout.write(`\n${failed} failed, ${warned} warning(s), ${findings.length} finding(s)\n`);
    return failed === 0 ? 0 : 1;
  } catch (err) {
    return reportError(io, "doctor", err);
  }
}
