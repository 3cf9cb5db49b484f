// The resumable sessions of this node by resumption id (XEP-0198 §5), and the final `h` of those that
// ended lately so a late <resume/> can be told what was handled (§5 <failed h/>). A resumption id
// names a session of this node only: in a cluster, another node's id is unknown here (item-not-found).
import type { Session } from "../../stream/session.ts";
import type { SmState } from "./sm-state.ts";

/** Ended ids remembered, oldest forgotten first. */
const MAX_ENDED = 10_000;

export interface Resumable {
  readonly session: Session;
  readonly state: SmState;
  /** The account's bare JID: only that account may resume. */
  readonly account: string;
}

export class ResumeRegistry {
  private readonly live = new Map<string, Resumable>();
  private readonly ended = new Map<string, { account: string; h: number }>();

  add(id: string, entry: Resumable): void {
    this.live.set(id, entry);
  }

  get(id: string): Resumable | undefined {
    return this.live.get(id);
  }

  /** The session is gone: its id is remembered with the `h` it reached. */
  end(id: string, account: string, h: number): void {
    this.live.delete(id);
    this.ended.set(id, { account, h });
    if (this.ended.size > MAX_ENDED) {
      const oldest = this.ended.keys().next().value;
      if (oldest !== undefined) this.ended.delete(oldest);
    }
  }

  /** The final `h` of an ended session of this account. */
  endedH(id: string, account: string): number | undefined {
    const e = this.ended.get(id);
    return e?.account === account ? e.h : undefined;
  }

  get size(): number {
    return this.live.size;
  }
}
