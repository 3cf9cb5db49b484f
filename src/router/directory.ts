// The routing seam: every delivery from one session to another goes through a SessionDirectory.
// Without a cluster it is the local registry (./sessions.ts); with one, a view of every node's
// sessions kept in Redis (../cluster/). RFC 6120 §7: one full JID, one session, cluster-wide.
import type { Session } from "../stream/session.ts";
import type { Hook } from "./hooks.ts";
import type { SessionHandle, SharedState } from "./session-handle.ts";
import type { Element } from "../xml/element.ts";

export interface SessionDirectory {
  /**
   * Registers a freshly bound local session; returns the local session it replaces (same full JID),
   * which the caller ends with `conflict` (RFC 6120 §7.7.2.2, "override"). One on another cluster
   * node is ended by the directory (see bindSettled).
   */
  add(session: Session): SessionHandle | undefined;
  /**
   * Cluster only: settles once the session `session` replaced on another node has ended (its
   * unavailable presence sent), or after a bounded wait; bind answers after it. Undefined: no wait.
   */
  bindSettled?(session: Session): Promise<void> | undefined;
  /** Forgets a local session (no-op when it was already replaced). */
  remove(session: Session): void;
  /** The session bound to a full JID, on any node. */
  get(bare: string, resource: string): SessionHandle | undefined;
  /** Every bound session of an account, on any node. */
  ofAccount(bare: string): SessionHandle[];
  /** The handle of a bound local session (undefined before bind and after the session ended). */
  handleOf(session: Session): SessionHandle | undefined;
  /** Changes what other sessions see of a local session (presence, carbons, …); replicated. */
  update(session: Session, patch: Partial<SharedState>): void;
  /** Bound sessions on this node. */
  readonly localCount: number;
  /** Bound sessions known on every node (equals localCount without a cluster). */
  readonly clusterCount: number;
  /**
   * Sessions of another node that died, dropped by this node; fired on exactly one node per
   * session, so a feature does there what the dead node would have done at unbind.
   */
  readonly reaped: Hook<[SessionHandle]>;
  /**
   * A stanza sent to a remote handle whose session had gone when it arrived; fired on the node
   * that held it. Features decide (messages go offline).
   */
  readonly undeliverable: Hook<[Element]>;
  /**
   * A cluster node re-joined after Redis trouble (remote sessions were hidden meanwhile): features
   * may now deliver what they kept (offline messages to the local resources).
   */
  readonly resynced: Hook<[]>;
  /** The bound sessions on this node. */
  localSessions(): Iterable<SessionHandle>;
  /** False while a cluster node cannot renew its lease: logins are refused rather than split-brained. */
  readonly acceptingLogins: boolean;
  /** Every bound session known, on this node and (in a cluster) the others (XEP-0133 commands). */
  allSessions(): Iterable<SessionHandle>;
  /**
   * Settles once this node's last `update` of a local session is in the shared directory, so that
   * another node looking afterwards (after `caughtUp`) sees it; at once without a cluster.
   */
  published(session: Session): Promise<void>;
  /**
   * Settles once what the other nodes had published before the call is in this node's view; at
   * once without a cluster. With `published`, a check-after-write on each side cannot both miss.
   */
  caughtUp(): Promise<void>;
}
