// One line of `doctor` output: what was looked at, how it stands, and what to do about it.
export type FindingStatus = "ok" | "warn" | "fail" | "skip";

export interface Finding {
  readonly status: FindingStatus;
  /** The area: config, certificate, dns, port, auth-api, storage, redis. */
  readonly area: string;
  readonly message: string;
}

export const finding = (status: FindingStatus, area: string, message: string): Finding => ({
  status,
  area,
  message,
});

const LABELS: Record<FindingStatus, string> = { ok: "OK  ", warn: "WARN", fail: "FAIL", skip: "SKIP" };

export function renderFinding(f: Finding): string {
  return `${LABELS[f.status]}  ${f.area.padEnd(12)} ${f.message}`;
}
