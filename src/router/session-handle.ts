// A bound session as the rest of the server sees it: local (a Session on this node) or remote (one
// on another cluster node). Features address sessions through handles, never through Session, so
// that what they do on one node works unchanged across a cluster (docs/routing.md).
import type { Element } from "../xml/element.ts";
import type { Jid } from "../jid.ts";
import type { Session } from "../stream/session.ts";
import type { StreamErrorCondition } from "../xml/stream-errors.ts";

/**
 * What other sessions may read about a session, replicated to every node in a cluster. Kept small:
 * it is copied on every change. `extra` is for later features (string values, namespaced keys).
 */
export interface SharedState {
  /** RFC 6121 §4: between initial presence and unavailable presence. */
  readonly available: boolean;
  /** RFC 6121 §4.7.2.3: -128…127. */
  readonly priority: number;
  /** The last available presence broadcast, `from` stamped, without `to` (answers probes). */
  readonly last: Element | undefined;
  /** XEP-0280: carbons enabled. */
  readonly carbons: boolean;
  /** RFC 6121 §2.1.6: requested the roster, so gets roster pushes. */
  readonly interested: boolean;
  readonly extra: Readonly<Record<string, string>>;
}

export const INITIAL_STATE: SharedState = Object.freeze({
  available: false,
  priority: 0,
  last: undefined,
  carbons: false,
  interested: false,
  extra: Object.freeze({}),
});

export interface SessionHandle {
  /** The bound full JID. */
  readonly jid: Jid;
  /** The cluster node holding the session ("local" without a cluster). */
  readonly node: string;
  /** Unique per connection (Session.id); tells a replacement from the session it replaced. */
  readonly sid: string;
  /** The Session when it lives on this node. */
  readonly local: Session | undefined;
  readonly state: SharedState;
  /** Still able to take stanzas (a local stream being closed is not). */
  readonly isOpen: boolean;
  /** Writes a stanza to the session's stream, wherever it is; `to`/`from` are not rewritten. */
  send(stanza: Element): void;
  /** Ends the session's stream with a stream error, wherever it is. */
  close(condition: StreamErrorCondition, text?: string): void;
}

/** The handle of a Session on this node. */
export class LocalHandle implements SessionHandle {
  state: SharedState = INITIAL_STATE;
  constructor(
    readonly local: Session,
    readonly jid: Jid,
    readonly node: string,
  ) {}

  get sid(): string {
    return this.local.id;
  }

  get isOpen(): boolean {
    return this.local.isOpen;
  }

  send(stanza: Element): void {
    this.local.send(stanza);
  }

  close(condition: StreamErrorCondition, text?: string): void {
    this.local.close(condition, text);
  }
}
