// One client-to-server stream (RFC 6120 §4–§7): header checks, feature negotiation (STARTTLS, SASL
// PLAIN, resource binding), then stanzas to the router. Transports only adapt framing.
import type { Logger } from "../log.ts";
import { el, type Element } from "../xml/element.ts";
import { streamError, type StreamErrorCondition } from "../xml/stream-errors.ts";
import { NS_CLIENT, NS_SASL, NS_SASL2, NS_STREAMS, NS_TLS } from "../ns.ts";
import type { StreamTap } from "./stream-tap.ts";
import type { Jid } from "../jid.ts";
import { nonzaKey, type HostContext, type ServerContext } from "../server-context.ts";
import { NOOP_HANDLERS, type StreamTransport, type TransportHandlers } from "./transport.ts";
import { CHANNEL_BINDING_TYPES } from "../tls/channel-binding.ts";
import { streamFeatures, type FeatureState } from "./features.ts";
import { handleAuth, type SaslState } from "./sasl.ts";
import { handleSasl2 } from "./sasl2.ts";
import { handleBoundOrBinding } from "./bind.ts";
import { errorReply, mayReplyWithError } from "../stanza/errors.ts";
import { iqPayload } from "../router/iq-registry.ts";
import { IdleWatch, type IdleTarget } from "./idle.ts";
import { randomId } from "./random-id.ts";
import { Backlog } from "./backlog.ts";
import { InputRate } from "../limits/input-rate.ts";

/** "hibernating": XEP-0198 §5, the connection dropped; still bound, stanzas are kept for a resume. */
type Phase = "await-header" | "open" | "hibernating" | "closing" | "closed";

/** Holds stanzas back from a session's stream and releases them, in order (XEP-0352). */
export interface OutboundGate {
  /** True when the gate keeps the stanza (to write later); false to write it now. */
  hold(element: Element): boolean;
  /** Writes everything held, in order, with Session.write. */
  release(): void;
}

/** How long we wait for the peer's closing tag after sending ours (RFC 6120 §4.4). */
const CLOSE_GRACE_MS = 2000;

function authTimeout(session: Session): void {
  session.close("connection-timeout", "Authentication took too long");
}

function destroyTransport(transport: StreamTransport): void {
  transport.destroy();
}

/**
 * Thousands of these sit idle at a time, so a session keeps only what an idle stream needs: no
 * closures (it is its transport's handler and its idle watch's target itself), its logger is made
 * at each use, and its abort controller and module data on first use.
 */
export class Session implements TransportHandlers, IdleTarget {
  readonly id = randomId();
  host: HostContext | undefined;
  /** Set after SASL success (bare) and after bind (full). */
  jid: Jid | undefined;
  authenticated = false;
  bound = false;
  readonly sasl: SaslState = { failures: 0, exchange: undefined, mechanism: undefined, call: undefined };
  /** XEP-0198 stream management once enabled: sees the stanzas in and out (src/modules/sm/). */
  tap: StreamTap | undefined;

  private phase: Phase = "await-header";
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private headerSent = false;
  private idle: IdleWatch;
  private moduleData: Map<string, unknown> | undefined;
  private controller: AbortController | undefined;
  private unbinding: Promise<void> | undefined;
  private backlog: Backlog;
  /** The `limits` c2s rate of this connection; undefined when none applies. */
  private inputRate: InputRate | undefined;
  /** While over that rate: the timer that resumes reading (the transport is paused meanwhile). */
  private inputHeld: { timer: NodeJS.Timeout; transport: StreamTransport } | undefined;
  /** The peer's closing tag arrived: what it sent before is still processed, in order. */
  private endReceived = false;
  /** The connection went away after the closing tag; the end is done once the queue drains. */
  private closeDeferred = false;

  /** `live` (optional) holds the session from its creation until its connection is gone. */
  constructor(
    public transport: StreamTransport,
    readonly ctx: ServerContext,
    private readonly live?: Set<Session>,
  ) {
    live?.add(this);
    this.backlog = new Backlog(transport, ctx.global.c2s_stanza_size_limit);
    const rate = ctx.global.limits.c2s;
    if (rate !== false) this.inputRate = new InputRate(rate);
    transport.setHandlers(this);
    // RFC 6120 §4.6.1 lets a server close idle streams; unauthenticated ones get c2s_timeout.
    this.timer = setTimeout(authTimeout, ctx.global.c2s_timeout * 1000, this);
    this.timer.unref();
    this.idle = new IdleWatch(this, {
      keepaliveMs: ctx.global.c2s_keepalive_interval * 1000,
      readTimeoutMs: ctx.global.c2s_read_timeout * 1000,
    });
  }

  /**
   * A logger with this session's id, remote address and transport. Made at each use and not kept
   * (a pino child costs about a microsecond), so the many idle sessions hold none.
   */
  get logger(): Logger {
    return this.ctx.logger.child({
      session: this.id,
      remote: this.transport.remoteAddress,
      transport: this.transport.kind,
    });
  }

  /** Per-session state of modules (presence, carbons, …), keyed by module. */
  get data(): Map<string, unknown> {
    return (this.moduleData ??= new Map());
  }

  /** Aborts backend calls made for this session when it goes away (already aborted after that). */
  get abort(): AbortController {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.phase === "closed") this.controller.abort();
    }
    return this.controller;
  }

  /** Open, or hibernating (XEP-0198 §5): either way it takes stanzas. */
  get isOpen(): boolean {
    return this.phase === "open" || this.phase === "hibernating";
  }

  get hibernating(): boolean {
    return this.phase === "hibernating";
  }

  /**
   * Between the modules and the stream: while set (XEP-0352, a client inactive), it may take a
   * stanza to write later (hold() returns true). Stream errors and closing bypass it.
   */
  gate: OutboundGate | undefined;
  /** True while teardown() hands what a gate held to the stream tap (write() then does not write). */
  private spilling = false;

  send(element: Element): void {
    if (this.phase === "hibernating") return this.tap?.outbound(this, element, false);
    if (this.phase !== "open" && this.phase !== "await-header") return;
    if (this.gate?.hold(element) === true) return;
    this.write(element);
  }

  /**
   * Writes to the stream now, past the gate: where a stanza is really sent (what a stream
   * management counter must count), for send() and for what the gate releases.
   */
  write(element: Element): void {
    // What a gate releases while hibernating, or at the end, is not written: stream management
    // keeps it for a resume or settles it like any unacknowledged stanza (XEP-0198 §5/§6).
    if (this.phase === "hibernating" || this.spilling) return this.tap?.outbound(this, element, false);
    if (this.phase !== "open" && this.phase !== "await-header") return;
    this.transport.send(element);
    this.tap?.outbound(this, element, true);
  }

  featureState(): FeatureState {
    const host = this.host;
    return {
      authenticated: this.authenticated,
      secure: this.transport.secure,
      canStartTls: this.transport.canStartTls,
      requireEncryption: host?.options.c2s_require_encryption ?? true,
      allowPlainUnencrypted: host?.options.allow_unencrypted_plain_auth ?? false,
      providerPlaintext: host?.provider.capabilities.plaintext ?? false,
      channelBindings: CHANNEL_BINDING_TYPES.filter((t) => this.transport.channelBinding?.(t) !== undefined),
    };
  }

  private openHeader(host: string | undefined): void {
    if (this.headerSent) return;
    this.headerSent = true;
    this.transport.openStream({
      from: host ?? "",
      // RFC 6120 §4.3.3: every stream restart gets a new stream ID; `this.id` names the connection.
      id: randomId(),
      version: "1.0",
      "xml:lang": "en",
      xmlns: NS_CLIENT,
      "xmlns:stream": NS_STREAMS,
    });
  }

  // TransportHandlers and IdleTarget: called by this session's transport and idle watch only.

  /** RFC 6120 §4.7: check the initiating header; on error our own header goes first (§4.9.1.2). */
  onStreamStart(attrs: Record<string, string>): void {
    if (this.phase !== "await-header") return this.close("not-well-formed", "Unexpected stream header");
    const to = attrs.to?.toLowerCase();
    const host = to === undefined ? undefined : this.ctx.hosts.get(to);
    this.headerSent = false;
    this.openHeader(host?.name ?? this.host?.name ?? to);
    if (attrs.xmlns !== undefined && attrs.xmlns !== NS_CLIENT)
      return this.close("invalid-namespace", "Expected jabber:client");
    if (attrs.version === undefined || !attrs.version.startsWith("1."))
      return this.close("unsupported-version", "XMPP 1.0 is required");
    if (host === undefined) return this.close("host-unknown", "This server does not serve that host");
    if (this.host !== undefined && this.host.name !== host.name)
      return this.close("invalid-from", "The host changed on a stream restart");
    this.host = host;
    this.phase = "open";
    const extra = (this.authenticated ? this.ctx.postAuthFeatures : this.ctx.preAuthFeatures).flatMap(
      (f) => f(this) ?? [],
    );
    const state = this.featureState();
    const offered = (this.host?.mechanisms ?? []).filter((m) => m.offered(state)).map((m) => m.name);
    this.send(streamFeatures(state, offered, extra));
  }

  /** RFC 6120 §10.1: stanzas from one session are processed in order. */
  onElement(element: Element, bytes: number): void {
    // Settled on the backlog of the connection it came from (a resume moves the session to another).
    const backlog = this.backlog;
    backlog.add(bytes);
    this.queue = this.queue.then(() => this.runElement(element, bytes, backlog));
    const wait = this.inputRate?.charge(bytes) ?? 0;
    if (wait > 0) this.holdInput(wait);
  }

  /**
   * Over the `limits` rate: no more reading until the connection is back within it (one timer,
   * moved on as the debt grows). What was read already is still processed; TCP holds the rest.
   */
  private holdInput(ms: number): void {
    if (this.phase === "closed") return;
    const held = this.inputHeld;
    if (held === undefined) {
      this.transport.pause();
      this.ctx.inputRate.holds++;
    } else clearTimeout(held.timer);
    const transport = held?.transport ?? this.transport;
    const timer = setTimeout(() => {
      this.inputHeld = undefined;
      transport.resume();
    }, ms);
    timer.unref();
    this.inputHeld = { timer, transport };
  }

  /** `unlimited_jids`: this connection reads at full speed from now on. */
  liftInputRate(): void {
    this.inputRate = undefined;
    const held = this.inputHeld;
    if (held === undefined) return;
    clearTimeout(held.timer);
    this.inputHeld = undefined;
    held.transport.resume();
  }

  private async runElement(element: Element, bytes: number, backlog: Backlog): Promise<void> {
    try {
      if (this.phase === "open") {
        await this.process(element);
        if (element.xmlns === NS_CLIENT) this.tap?.inbound(this);
      }
    } catch (err) {
      this.logger.error({ err }, "unexpected error while processing an element");
      this.close("internal-server-error");
    } finally {
      backlog.settle(bytes);
    }
  }

  onParseError(condition: StreamErrorCondition, text: string): void {
    this.close(condition, text);
  }

  keepaliveAllowed(): boolean {
    return this.phase === "open";
  }

  readTimeoutApplies(): boolean {
    return this.authenticated && this.phase === "open";
  }

  onReadTimeout(): void {
    // XEP-0198 §5: a silent peer may be a dead connection the client will come back to.
    if (this.tap?.mayHibernate(this) === true) return this.transport.destroy();
    this.close("connection-timeout", "No input for too long");
  }

  private async process(element: Element): Promise<void> {
    if (!this.authenticated) return this.beforeAuth(element);
    // Nonzas a module accepts (XEP-0198's <resume/> before binding, XEP-0352's <active/>, …).
    const nonza = this.ctx.nonzas.get(nonzaKey(element.xmlns ?? "", element.localName));
    if (nonza !== undefined) return nonza(this, element);
    return handleBoundOrBinding(this, element);
  }

  private async beforeAuth(element: Element): Promise<void> {
    const ns = element.xmlns;
    if (element.localName === "starttls" && ns === NS_TLS) return this.startTls();
    if (ns === NS_SASL) return handleAuth(this, element);
    if (ns === NS_SASL2) return handleSasl2(this, element);
    if (element.name === "iq" && ns === NS_CLIENT) {
      const payload = iqPayload(element);
      const handler = payload
        ? this.ctx.preAuthIq.find(element.attrs.type as "get" | "set", payload)
        : undefined;
      if (handler !== undefined && payload) {
        const reply = await handler({ session: this, iq: element, payload });
        if (reply !== undefined) this.send(reply);
        return;
      }
      if (mayReplyWithError(element)) this.send(errorReply(element, "service-unavailable"));
      return;
    }
    this.close("not-authorized", "Authenticate first");
  }

  private async startTls(): Promise<void> {
    if (!this.transport.canStartTls || this.transport.secure) {
      this.send(el("failure", { xmlns: NS_TLS }));
      return this.close();
    }
    this.send(el("proceed", { xmlns: NS_TLS }));
    this.phase = "await-header";
    try {
      await this.transport.startTls();
    } catch (err) {
      this.logger.info({ err: (err as Error).message }, "TLS handshake failed");
      this.transport.destroy();
    }
  }

  /** A stream restart after SASL success (RFC 6120 §6.4.6). */
  restartStream(): void {
    this.phase = "await-header";
    this.transport.restart();
  }

  /** Authentication is complete and a resource bound: the unauthenticated timeout no longer applies. */
  markEstablished(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Closes the stream, with a stream error when a condition is given (RFC 6120 §4.4, §4.9). */
  close(condition?: StreamErrorCondition, text?: string): void {
    if (this.phase === "closing" || this.phase === "closed") return;
    if (this.phase === "hibernating") return this.teardown();
    this.releaseGate();
    this.openHeader(this.host?.name);
    if (condition !== undefined) {
      this.logger.debug({ condition }, "closing the stream with an error");
      this.transport.send(streamError(condition, text));
    }
    this.phase = "closing";
    this.transport.closeStream();
    // After a stream error nothing more is owed (RFC 6120 §4.9.1.1): end the connection once our
    // output is flushed. A plain close waits a moment for the peer's closing tag (§4.4).
    if (condition !== undefined) return this.transport.destroy();
    const t = setTimeout(destroyTransport, CLOSE_GRACE_MS, this.transport);
    t.unref();
  }

  /**
   * RFC 6120 §4.4: the peer's closing tag. Stanzas it sent before are processed first, in order
   * (a send-and-quit client writes its message and the tag at once); then our tag and the end.
   */
  onStreamEnd(): void {
    if (this.phase === "closing" || this.phase === "closed" || this.backlog.stanzas === 0) {
      return this.endStream();
    }
    this.endReceived = true;
    this.queue = this.queue.then(() => this.endStream());
  }

  /** What a gate held goes out before the stream ends (while writes are still allowed). */
  private releaseGate(): void {
    const gate = this.gate;
    this.gate = undefined;
    gate?.release();
  }

  private endStream(): void {
    if (this.phase === "open" || this.phase === "await-header") {
      this.releaseGate();
      this.phase = "closing";
      this.transport.closeStream();
    }
    this.transport.destroy();
    if (this.closeDeferred) this.teardown();
  }

  onClose(): void {
    if (this.phase === "closed" || this.phase === "hibernating") return;
    // XEP-0198 §5: gone without a closing tag, with resumption enabled: stays bound for a while.
    if (this.phase === "open" && !this.endReceived && this.tap?.mayHibernate(this) === true) {
      this.phase = "hibernating";
      this.idle.stop();
      this.releaseGate();
      this.tap.hibernated(this);
      return;
    }
    // Gone right after its closing tag: finish its stanzas first (bounded by the backlog and the
    // API timeouts). Before authentication there is nothing worth finishing.
    if (this.endReceived && this.bound && this.backlog.stanzas > 0) {
      this.closeDeferred = true;
      return;
    }
    this.teardown();
  }

  private teardown(): void {
    if (this.phase === "closed") return;
    // Held back by XEP-0352 and never written: handed to stream management like unacknowledged ones.
    this.spilling = true;
    this.releaseGate();
    this.spilling = false;
    this.phase = "closed";
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.inputHeld !== undefined) clearTimeout(this.inputHeld.timer);
    this.inputHeld = undefined;
    this.idle.stop();
    this.controller?.abort();
    this.sasl.call?.abort();
    this.sasl.exchange?.dispose();
    this.sasl.exchange = undefined;
    this.live?.delete(this);
    this.tap?.ended(this);
    void this.unbind();
  }

  /**
   * XEP-0198 §5: this session (hibernating, or still on a connection it will lose now) continues on
   * the connection of `next`, a session authenticated as the same account, which is dropped without
   * unbinding: the full JID, presence, carbons and module data stay as they were.
   */
  resumeOn(next: Session): void {
    const old = this.transport;
    old.setHandlers(NOOP_HANDLERS);
    if (this.phase === "open") {
      old.closeStream();
      old.destroy();
    }
    next.handOver();
    // A hold of ours was on the old connection, which is gone.
    if (this.inputHeld !== undefined) clearTimeout(this.inputHeld.timer);
    this.inputHeld = undefined;
    this.transport = next.transport;
    this.transport.setHandlers(this);
    this.backlog = new Backlog(this.transport, this.ctx.global.c2s_stanza_size_limit);
    this.phase = "open";
    this.headerSent = true;
    this.endReceived = false;
    this.closeDeferred = false;
    this.idle.stop();
    this.idle = new IdleWatch(this, {
      keepaliveMs: this.ctx.global.c2s_keepalive_interval * 1000,
      readTimeoutMs: this.ctx.global.c2s_read_timeout * 1000,
    });
  }

  /** Gives this connection to a resumed session (resumeOn): nothing of this one remains. */
  private handOver(): void {
    this.phase = "closed";
    if (this.timer !== undefined) clearTimeout(this.timer);
    // A hold on this connection (the `limits` rate) stays: its timer resumes reading on the
    // connection, which is the resumed session's now.
    this.idle.stop();
    this.controller?.abort();
    this.live?.delete(this);
  }

  /**
   * Takes a bound session out of the registry and runs the unbound hooks (its unavailable presence),
   * once: when its connection is gone, or earlier when a new session replaces it (bind.ts), whose
   * socket may take a while to close.
   */
  unbind(): Promise<void> {
    if (!this.bound) return Promise.resolve();
    return (this.unbinding ??= this.runUnbound());
  }

  private runUnbound(): Promise<void> {
    this.ctx.sessions.remove(this);
    return this.ctx.hooks.unbound.runAll((err) => this.logger.error({ err }, "unbound hook failed"), this);
  }
}
