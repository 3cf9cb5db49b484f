// A session bound on another cluster node, as this node sees it: its last announced SharedState, and
// stanzas or a close order sent to its node over Redis.
import type { Element } from "../xml/element.ts";
import type { Jid } from "../jid.ts";
import type { SessionHandle, SharedState } from "../router/session-handle.ts";
import type { StreamErrorCondition } from "../xml/stream-errors.ts";

/** How a remote handle reaches its node (the cluster directory). */
export interface NodeLink {
  readonly up: boolean;
  sendStanza(node: string, jid: Jid, stanza: Element): void;
  closeRemote(node: string, jid: Jid, sid: string, condition: StreamErrorCondition, text?: string): void;
}

export class RemoteHandle implements SessionHandle {
  readonly local = undefined;
  constructor(
    readonly jid: Jid,
    readonly node: string,
    readonly sid: string,
    readonly since: number,
    readonly state: SharedState,
    private readonly link: NodeLink,
  ) {}

  get isOpen(): boolean {
    return this.link.up;
  }

  send(stanza: Element): void {
    this.link.sendStanza(this.node, this.jid, stanza);
  }

  close(condition: StreamErrorCondition, text?: string): void {
    this.link.closeRemote(this.node, this.jid, this.sid, condition, text);
  }
}
