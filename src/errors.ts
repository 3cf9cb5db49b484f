// Every error the project raises has a stable code, listed here once (and in docs/errors.md; a test
// keeps the two in step). Expected failures are values; these are for what must stop an operation.

export const ERROR_CODES = {
  XHA_CONFIG_INVALID: "the configuration file or a value in it is invalid",
  XHA_CONFIG_UNREADABLE: "the configuration file could not be read or parsed",
  XHA_TLS_MATERIAL: "a certificate or key could not be loaded or generated",
  XHA_LISTEN: "a listener could not bind its address",
  XHA_STORE: "the account store failed",
  XHA_USAGE: "the command line was not understood",
  XHA_JID_INVALID: "a JID or one of its parts is not valid",
  XHA_CLUSTER: "a cluster node could not reach its Redis at start-up",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class XhaError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "XhaError";
    this.code = code;
  }
}

export function isXhaError(err: unknown, code?: ErrorCode): err is XhaError {
  return err instanceof XhaError && (code === undefined || err.code === code);
}
