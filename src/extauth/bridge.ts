// The extauth bridge: frames in, answers out, in order (the protocol has no request ids), while the
// API calls behind them run at once, so a slow call never holds back the calls queued after it.
// The protocol can only say yes or no: a backend fault is a "no" on the wire and a warning in the log.
import type { Logger } from "../log.ts";
import type { AuthProvider, BackendFailure } from "../auth/provider.ts";
import { ANSWER_NO, ANSWER_YES, createFrameDecoder } from "./frames.ts";
import { parseRequest, type ExtauthRequest } from "./request.ts";

export interface ExtauthBridgeDeps {
  /** The provider of a prepared host name, undefined for a host not configured. */
  readonly providerFor: (host: string) => AuthProvider | undefined;
  readonly write: (answer: Buffer) => void;
  readonly logger: Logger;
  /** Every request is answered within this many ms, all of its API calls included. */
  readonly deadlineMs: number;
}

export interface ExtauthBridge {
  /** Feeds bytes read from the peer. */
  push(chunk: Buffer): void;
  /** Resolves once every request received so far is answered. */
  drain(): Promise<void>;
  /** Bytes of a truncated frame held (to report at EOF). */
  readonly pendingBytes: number;
}

type Outcome =
  | { readonly answer: boolean }
  | { readonly answer: false; readonly fault: BackendFailure["reason"] | "unknown-host" | "exception" };

export function createExtauthBridge(deps: ExtauthBridgeDeps): ExtauthBridge {
  const { logger } = deps;
  const decoder = createFrameDecoder();
  // Answers are written in arrival order: each request chains its write onto the previous one's.
  let tail: Promise<void> = Promise.resolve();

  async function answer(req: ExtauthRequest): Promise<Outcome> {
    const provider = deps.providerFor(req.server);
    if (provider === undefined) return { answer: false, fault: "unknown-host" };
    const signal = AbortSignal.timeout(deps.deadlineMs);
    const call = { signal };
    const password = req.password ?? "";
    const yes = (r: { outcome: string }): Outcome =>
      r.outcome === "backend-error"
        ? { answer: false, fault: (r as BackendFailure).reason }
        : { answer: r.outcome === "ok" };
    switch (req.op) {
      case "auth":
        return yes(await provider.checkPassword(req.user, password, call));
      case "isuser":
        return yes(await provider.userExists(req.user, call));
      case "setpass":
        return yes(await provider.setPassword(req.user, password, call));
      case "tryregister":
        return yes(await provider.register(req.user, password, call));
      case "removeuser":
        return yes(await provider.removeUser(req.user, call));
      case "removeuser3": {
        // Remove only with the right password (ejabberd's "remove with password").
        const checked = yes(await provider.checkPassword(req.user, password, call));
        return checked.answer ? yes(await provider.removeUser(req.user, call)) : checked;
      }
    }
  }

  function handle(frame: Buffer): void {
    const started = performance.now();
    const parsed = parseRequest(frame);
    let result: Promise<Outcome>;
    if (!parsed.ok) {
      logger.warn(
        { op: parsed.op, reason: parsed.reason, bytes: frame.length },
        "extauth: bad request answered no",
      );
      result = Promise.resolve({ answer: false });
    } else {
      const req = parsed.request;
      result = answer(req).then(
        (outcome) => {
          const ms = Math.round(performance.now() - started);
          const who = { op: req.op, user: req.user, host: req.server, ms };
          if ("fault" in outcome)
            logger.warn({ ...who, fault: outcome.fault }, "extauth: backend fault answered no");
          else logger.debug({ ...who, answer: outcome.answer }, "extauth: answered");
          return outcome;
        },
        (err: unknown) => {
          // A bug, not an API fault: still a "no" (fail closed) and the stream stays in step.
          logger.error({ op: req.op, host: req.server, err }, "extauth: request failed, answered no");
          return { answer: false, fault: "exception" } as const;
        },
      );
    }
    const previous = tail;
    tail = Promise.all([previous, result]).then(([, outcome]) => {
      deps.write(outcome.answer ? ANSWER_YES : ANSWER_NO);
    });
  }

  return {
    push(chunk) {
      for (const frame of decoder.push(chunk)) handle(frame);
    },
    drain: async () => {
      // Requests handled while waiting chain onto the tail, so wait until it stops moving.
      for (let seen: Promise<void> | undefined; seen !== tail;) {
        seen = tail;
        await seen;
      }
    },
    get pendingBytes() {
      return decoder.pending;
    },
  };
}
