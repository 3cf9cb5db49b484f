// doctor: each host's HTTP auth API, with the configured URL, credentials and timeout: the
// conformance checker's read-only run (no account is created, changed or removed), summarised.
import { runCheck } from "../checker/run-check.ts";
import type { HostOptions } from "../config/schema.ts";
import { finding, type Finding } from "./finding.ts";

export async function checkAuthApi(host: string, options: HostOptions): Promise<Finding> {
  const url = options.http_auth_url;
  if (url === undefined) return finding("fail", "auth-api", `${host}: no http_auth_url`);
  const shown = url.replace(/\$host/g, host);
  const timeoutMs = Math.max(1, Math.round(options.http_auth_timeout * 1000));
  try {
    const report = await runCheck({
      url,
      server: host,
      allowWrites: false,
      timeoutMs,
      slowMs: timeoutMs,
      ...(options.http_auth_credentials === undefined ? {} : { credentials: options.http_auth_credentials }),
    });
    const failed = report.results.filter((r) => r.status === "fail");
    if (failed.length === 0)
      return finding(
        "ok",
        "auth-api",
        `${host}: ${shown} answers (${report.counts.passed} read-only checks passed)`,
      );
    const why = failed.map((r) => `${r.id}: ${r.reason}`).join("; ");
    return finding(
      "fail",
      "auth-api",
      `${host}: ${shown}: ${why} (details: xmpp-http-auth check ${shown} --server ${host})`,
    );
  } catch (err) {
    return finding("fail", "auth-api", `${host}: ${shown}: ${(err as Error).message}`);
  }
}
