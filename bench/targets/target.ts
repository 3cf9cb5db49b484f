// What the login, slow-api and memory suites need from a server under test.

export interface Target {
  /** A short label for tables: "ours", "prosody+mod_auth_http", "prosody internal". */
  readonly label: string;
  readonly port: number;
  /** The XMPP domain to log in to. */
  readonly domain: string;
  /** The server's root pid: CPU and memory are read for it and its descendants. */
  readonly pid: number;
  /** Credentials for a login: Prosody's own store has one registered account, an API accepts any. */
  credentials(worker: number, n: number): { user: string; password: string };
  stop(): Promise<void>;
}

/** Thrown when a suite cannot run for want of something; the message is the one-line reason. */
export class SkipError extends Error {}
