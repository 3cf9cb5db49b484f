// XEP-0484 (Fast Authentication Streamlining Tokens) as a SASL2 inline feature: <fast/> lists the
// HT-* mechanisms (§4.1); <request-token/> gets a <token/> in <success/> (§4.2, §4.3); a login with
// <fast/> uses a token instead of the password, so check_password is never called (§4.4); tokens
// rotate near their expiry (§4.5) and <fast invalidate='true'/> ends one (§4.6).
import { timingSafeEqual } from "node:crypto";
import { el, type Element } from "../xml/element.ts";
import { NS_FAST } from "../ns.ts";
import { makeJid } from "../jid.ts";
import { localpartPrep } from "../precis/index.ts";
import type { HostOptions } from "../config/schema.ts";
import type { FastToken, FastTokenStore } from "../storage/fast-tokens.ts";
import type { FeatureState } from "./features.ts";
import type { SaslContext, SaslExchange, SaslMechanism, SaslStep } from "./sasl-mechanism.ts";
import type { Sasl2InlineFeature, Sasl2Request } from "./sasl2-inline.ts";
import type { Session } from "./session.ts";
import { HT_MECHANISMS, initiatorProof, newToken, parseInitiator, responderProof, tokenKey } from "./ht.ts";
import { settle } from "./sasl-limits.ts";
import type { LoginTicket } from "../limits/login-limiter.ts";
import { backendFailed, wrongCredentials } from "./mechanism-verdicts.ts";
import { agentKey, childIn } from "./sasl2.ts";

/** What a FAST login leaves for <success/>: the token it used and what the client asked of it. */
interface FastUse {
  readonly account: string;
  readonly agent: string;
  readonly token: FastToken;
  readonly invalidate: boolean;
}

const NOTE = "fast";
/** XEP-0484 §4.4's count is a positive integer; past this it cannot be compared exactly. */
const MAX_COUNT = Number.MAX_SAFE_INTEGER;

/** XEP-0484 §7: FAST only over TLS; a mechanism with a binding only where this connection has it. */
function htOffered(state: FeatureState, binding: (typeof HT_MECHANISMS)[number]["binding"]): boolean {
  return state.secure && (binding === undefined || state.channelBindings.includes(binding));
}

export function fastEnabled(options: HostOptions): boolean {
  return options.c2s_sasl2 && options.sasl2_fast;
}

export function fastFeature(tokens: () => FastTokenStore): Sasl2InlineFeature {
  return {
    order: 50,
    advertise: (session) => {
      if (session.host === undefined || !fastEnabled(session.host.options)) return undefined;
      const state = session.featureState();
      const names = HT_MECHANISMS.filter((m) => htOffered(state, m.binding)).map((m) => m.name);
      if (names.length === 0) return undefined;
      return el("fast", { xmlns: NS_FAST }, ...names.map((n) => el("mechanism", {}, n)));
    },
    mechanisms: (session, request) => {
      if (session.host === undefined || !fastEnabled(session.host.options)) return undefined;
      const fast = childIn(request.authenticate, "fast", NS_FAST);
      if (fast === undefined) return undefined;
      return HT_MECHANISMS.map((m) => htMechanism(m, session.host!.options, tokens, request, fast));
    },
    onSuccess: (session, request) => afterLogin(session, request, tokens),
  };
}

function htMechanism(
  spec: (typeof HT_MECHANISMS)[number],
  options: HostOptions,
  tokens: () => FastTokenStore,
  request: Sasl2Request,
  fast: Element,
): SaslMechanism {
  return {
    name: spec.name,
    offered: (state) => htOffered(state, spec.binding),
    refusedAs: (state) => (state.secure ? "invalid-mechanism" : "encryption-required"),
    start: (ctx): SaslExchange => {
      const held: { ticket?: LoginTicket } = {};
      return {
        step: (message) => htLogin({ ctx, spec, options, store: tokens(), request, fast, held }, message),
        dispose: () => {
          held.ticket?.release();
          held.ticket = undefined;
        },
      };
    },
  };
}

interface HtLogin {
  readonly ctx: SaslContext;
  readonly spec: (typeof HT_MECHANISMS)[number];
  readonly options: HostOptions;
  readonly store: FastTokenStore;
  readonly request: Sasl2Request;
  readonly fast: Element;
  readonly held: { ticket?: LoginTicket };
}

const malformed = (text: string): SaslStep => ({ kind: "failure", condition: "malformed-request", text });

/** XEP-0484 §4.4: one message, checked against the client's stored tokens; no password involved. */
async function htLogin(x: HtLogin, message: Buffer): Promise<SaslStep> {
  const { ctx, spec, request } = x;
  const parsed = parseInitiator(message);
  if (parsed === undefined || parsed.proof.length !== 32) return malformed("Expected authcid NUL HMAC.");
  const countText = x.fast.attrs.count;
  const count = countText === undefined ? undefined : Number(countText);
  if (count !== undefined && !(/^[1-9][0-9]{0,15}$/.test(countText ?? "") && count <= MAX_COUNT))
    return malformed("The count must be a positive integer.");
  const prepared = localpartPrep(parsed.user);
  if (!prepared.ok) return { kind: "failure", condition: "not-authorized" };
  const user = prepared.value;
  const account = makeJid(user, ctx.host).toString();
  const cbData = spec.binding === undefined ? Buffer.alloc(0) : ctx.channelBinding(spec.binding);
  if (cbData === undefined) return { kind: "failure", condition: "invalid-mechanism" };
  // §6 (client duties): tokens are per client: without a user-agent id there is none to find.
  if (request.userAgentId === undefined) return { kind: "failure", condition: "not-authorized" };
  const agent = agentKey(request.userAgentId);

  const admission = await ctx.admit(user);
  if (!admission.ok) return { kind: "failure", ...(admission.refusal ?? { condition: "aborted" }) };
  x.held.ticket = admission.ticket;
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const release = (): void => {
    x.held.ticket?.release();
    x.held.ticket = undefined;
  };
  const verdict = (outcome: "ok" | "false"): void => {
    if (x.held.ticket !== undefined) settle(x.held.ticket, outcome);
    x.held.ticket = undefined;
  };

  let stored: FastToken[];
  try {
    stored = await x.store.fastTokens(account, agent);
  } catch (err) {
    release();
    ctx.logger.warn({ user: account, err: (err as Error).message }, "FAST token store unavailable");
    return storeDown();
  }
  const now = Date.now();
  // §6.1: the "new" slot first, then "current"; expired tokens and other mechanisms' never match.
  const order = [...stored].sort((a, b) => (a.slot === b.slot ? 0 : a.slot === "new" ? -1 : 1));
  const match = order.find(
    (t) =>
      t.mechanism === spec.name &&
      t.expiresAt > now &&
      timingSafeEqual(initiatorProof(Buffer.from(t.hash, "base64"), cbData), parsed.proof),
  );
  if (match === undefined) {
    verdict("false");
    return wrongCredentials(ctx, account, ms());
  }
  let used: boolean;
  try {
    used = await x.store.fastUse(account, agent, match.hash, count);
  } catch (err) {
    release();
    ctx.logger.warn({ user: account, err: (err as Error).message }, "FAST token store unavailable");
    return storeDown();
  }
  if (!used) {
    // A count not above the last one: a replay (§4.4), or the token went meanwhile.
    verdict("false");
    ctx.logger.info({ user: account, ms: ms() }, "authentication failed: FAST token replayed or revoked");
    return { kind: "failure", condition: "not-authorized" };
  }
  // The API may still refuse an account it disabled (sasl2_fast_user_exists).
  if (x.options.sasl2_fast_user_exists) {
    const exists = await ctx.provider.userExists(user, { signal: ctx.signal }).catch((err: unknown) => {
      release();
      throw err;
    });
    if (exists.outcome === "false") {
      verdict("false");
      await x.store.fastForget(account).catch(() => undefined);
      return wrongCredentials(ctx, account, ms());
    }
    if (exists.outcome !== "ok") {
      release();
      return backendFailed(ctx, account, exists, ms());
    }
  }
  verdict("ok");
  const invalidate = x.fast.attrs.invalidate === "true" || x.fast.attrs.invalidate === "1";
  request.notes.set(NOTE, { account, agent, token: match, invalidate } satisfies FastUse);
  return { kind: "success", user, data: responderProof(Buffer.from(match.hash, "base64"), cbData) };
}

function storeDown(): SaslStep {
  return {
    kind: "failure",
    condition: "temporary-auth-failure",
    text: "The token store is unavailable; try again later.",
  };
}

/** After <authenticate/> succeeded (any mechanism): revoke, rotate or issue tokens (§4.2–§4.6). */
async function afterLogin(
  session: Session,
  request: Sasl2Request,
  tokens: () => FastTokenStore,
): Promise<{ elements: Element[] } | undefined> {
  const host = session.host;
  if (host === undefined || !fastEnabled(host.options)) return undefined;
  const used = request.notes.get(NOTE) as FastUse | undefined;
  const ask = childIn(request.authenticate, "request-token", NS_FAST);
  const account = session.jid?.bare().toString() ?? "";
  try {
    if (used?.invalidate === true) await tokens().fastRevoke(used.account, used.agent, used.token.hash);
    const state = session.featureState();
    const asked = HT_MECHANISMS.find((m) => m.name === ask?.attrs.mechanism && htOffered(state, m.binding));
    // §4.5: a token near its expiry is replaced, unless the client just invalidated it (§4.6).
    const rotate =
      used !== undefined &&
      !used.invalidate &&
      used.token.expiresAt - Date.now() < host.options.sasl2_fast_token_min_ttl * 1000;
    const mechanism = asked?.name ?? (rotate ? used.token.mechanism : undefined);
    if (mechanism === undefined) return undefined;
    if (request.userAgentId === undefined) {
      session.logger.debug("FAST token not issued: the client sent no user-agent id");
      return undefined;
    }
    const token = newToken();
    const expiresAt = Date.now() + host.options.sasl2_fast_token_ttl * 1000;
    await tokens().fastIssue(account, agentKey(request.userAgentId), {
      hash: tokenKey(token).toString("base64"),
      mechanism,
      expiresAt,
    });
    // XEP-0082 DateTime, in whole seconds.
    const expiry = new Date(Math.floor(expiresAt / 1000) * 1000).toISOString().replace(".000Z", "Z");
    return { elements: [el("token", { xmlns: NS_FAST, expiry, token })] };
  } catch (err) {
    // The login stands; the client just gets no new token this time.
    session.logger.warn({ user: account, err: (err as Error).message }, "FAST token store unavailable");
    return undefined;
  }
}
