// One session's XEP-0198 state: the counters (§4), the queue of stanzas sent and not acknowledged,
// ack requests, and hibernation (§5): when the connection drops with resumption enabled, the session
// stays bound for smacks_hibernation_time, keeping what is sent to it, at most smacks_max_queue_size.
import type { Element } from "../../xml/element.ts";
import type { Session } from "../../stream/session.ts";
import type { StreamTap } from "../../stream/stream-tap.ts";
import { el } from "../../xml/element.ts";
import { withAttrs } from "../../stanza/copy.ts";
import { NS_DELAY } from "../../ns.ts";
import { ackedSince, nextH } from "./counter.ts";
import { ackRequest, isStanza } from "./sm-elements.ts";

export interface SmLimits {
  /** Seconds a dropped session stays resumable. */
  readonly hibernationSeconds: number;
  /** Unacknowledged stanzas kept; one more ends the session. */
  readonly maxQueue: number;
  /** Stanzas sent before we ask for an ack (0: after every burst). */
  readonly maxUnacked: number;
}

/** What the state reports to the module (resume registry, push notifications). */
export interface SmEvents {
  hibernated(session: Session, state: SmState): void;
  /** A stanza was kept while the session hibernates. */
  queuedAsleep(session: Session, stanza: Element): void;
  ended(session: Session, state: SmState): void;
}

interface Unacked {
  readonly stanza: Element;
  /** When it was first sent (a replay carries it as a XEP-0203 delay). */
  readonly at: number;
}

function requestAck(state: SmState): void {
  state.requestAckNow();
}

export class SmState implements StreamTap {
  /** Stanzas handled from the client (§4 `h`, ours). */
  handled = 0;
  /** The client's last `h`: stanzas of ours it acknowledged. */
  acked = 0;
  private queue: Unacked[] = [];
  private awaitingAck = false;
  private ackScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private overflowing = false;
  /** The session to ask for acks (set when one is scheduled; a resume moves it). */
  private session: Session | undefined;
  private over = false;
  hibernatedAt: number | undefined;
  /** §5 `max`: ours, or the client's when shorter. */
  hibernationSeconds: number;

  constructor(
    /** The resumption id (§5), undefined when resumption was not asked for. */
    readonly id: string | undefined,
    private readonly limits: SmLimits,
    private readonly events: SmEvents,
  ) {
    this.hibernationSeconds = limits.hibernationSeconds;
  }

  get unackedCount(): number {
    return this.queue.length;
  }

  /** Stanzas sent since SM was enabled, modulo 2^32 (the `h` the client will reach). */
  get sent(): number {
    return (this.acked + this.queue.length) % 2 ** 32;
  }

  outbound(session: Session, element: Element, written: boolean): void {
    if (!isStanza(element) || this.over) return;
    this.queue.push({ stanza: element, at: Date.now() });
    if (!written) this.events.queuedAsleep(session, element);
    // Asleep, the limit holds. Connected, a burst may outrun the client's acks: twice the limit
    // still bounds a client that never acknowledges anything.
    const cap = written ? 2 * this.limits.maxQueue : this.limits.maxQueue;
    if (this.queue.length > cap) return this.overflow(session);
    if (written && !this.awaitingAck && !this.ackScheduled && this.queue.length > this.limits.maxUnacked) {
      // After the current burst: one <r/> for the stanzas written in this turn of the event loop.
      this.ackScheduled = true;
      this.session = session;
      setImmediate(requestAck, this).unref();
    }
  }

  /** @internal */
  requestAckNow(): void {
    this.ackScheduled = false;
    const session = this.session;
    if (session === undefined || this.over || session.hibernating || !session.isOpen) return;
    this.awaitingAck = true;
    session.transport.send(ackRequest());
  }

  inbound(): void {
    this.handled = nextH(this.handled);
  }

  /**
   * §4: the client's <a h/>. Returns false when it acknowledges more than was sent (the caller ends
   * the stream with undefined-condition).
   */
  acknowledge(h: number): boolean {
    const n = ackedSince(this.acked, h);
    if (n > this.queue.length) return false;
    this.queue.splice(0, n);
    this.acked = h;
    this.awaitingAck = false;
    return true;
  }

  mayHibernate(session: Session): boolean {
    return (
      this.id !== undefined &&
      session.bound &&
      !this.over &&
      !this.overflowing &&
      this.queue.length <= this.limits.maxQueue
    );
  }

  hibernated(session: Session): void {
    this.hibernatedAt = Date.now();
    this.awaitingAck = false;
    this.timer = setTimeout(expire, this.hibernationSeconds * 1000, session);
    this.timer.unref();
    this.events.hibernated(session, this);
  }

  /** The session is back on a connection (§5): no more expiry. */
  woke(session: Session): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.hibernatedAt = undefined;
    this.session = session;
  }

  ended(session: Session): void {
    if (this.over) return;
    this.over = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.events.ended(session, this);
  }

  /** The stanzas never acknowledged, oldest first; taken once (the session has ended). */
  takeUnacked(): Element[] {
    const q = this.queue.map((u) => u.stanza);
    this.queue = [];
    return q;
  }

  /** §5: what the client has not acknowledged, sent again with their first sending time. */
  replay(session: Session): void {
    for (const { stanza, at } of this.queue) session.transport.send(withDelay(stanza, at, session));
    if (this.queue.length > 0) {
      this.awaitingAck = true;
      session.transport.send(ackRequest());
    }
  }

  private overflow(session: Session): void {
    if (this.overflowing) return;
    this.overflowing = true;
    session.logger.info({ queued: this.queue.length }, "stream management queue full: ending the session");
    // Not from inside someone's send(): the end runs hooks that send in their turn.
    setImmediate(endOverflowing, session);
  }
}

function expire(session: Session): void {
  session.logger.debug("stream management hibernation expired");
  session.close();
}

function endOverflowing(session: Session): void {
  session.close("resource-constraint", "Too many unacknowledged stanzas");
}

/** XEP-0203 on a replayed message or presence, unless it has one (IQs are answered, not dated). */
function withDelay(stanza: Element, at: number, session: Session): Element {
  if (stanza.name === "iq" || stanza.getChild("delay", NS_DELAY) !== undefined) return stanza;
  const copy = withAttrs(stanza, {});
  copy.children.push(
    el("delay", {
      xmlns: NS_DELAY,
      from: session.jid?.bare().toString() ?? "",
      stamp: new Date(at).toISOString(),
    }),
  );
  return copy;
}
