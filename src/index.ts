// The package's public API. The CLI covers operators; these are for developers embedding a part.
export * from "./authd/index.ts";
export { createHttpProvider, type HttpProviderOptions } from "./auth/http/provider.ts";
export { createHttpMetrics, type HttpMetrics } from "./auth/http/metrics.ts";
export * as protocol from "./auth/http/protocol.ts";
export type {
  AuthProvider,
  ProviderCapabilities,
  CheckResult,
  ExistsResult,
  WriteResult,
} from "./auth/provider.ts";
export { createXmppServer, type XmppServer } from "./server.ts";
export { loadServerConfig, parseServerConfig, type ServerConfig } from "./config/load.ts";
export { createLogger, type Logger } from "./log.ts";
export { usernameCaseMapped, opaqueString } from "./precis/index.ts";
export { Jid, parseJid, tryParseJid } from "./jid.ts";
export { ERROR_CODES, XhaError, isXhaError, type ErrorCode } from "./errors.ts";
