// XEP-0352 §5: the stanzas held back from an inactive client, in order. A presence replaces the
// held one from the same full JID (and takes its place at the end, so order stays causal); an urgent
// stanza, or one past csi_queue_size, releases everything before it.
import type { Element } from "../../xml/element.ts";
import type { OutboundGate } from "../../stream/session.ts";
import { coalescingKey, urgency } from "./urgency.ts";

export class HeldStanzas implements OutboundGate {
  /** Insertion-ordered: a Map keeps the order in which keys were (re)set. */
  private readonly held = new Map<string, Element>();
  private seq = 0;

  constructor(
    private readonly write: (element: Element) => void,
    private readonly limit: number,
  ) {}

  get size(): number {
    return this.held.size;
  }

  hold(element: Element): boolean {
    const u = urgency(element);
    if (u === "not-a-stanza") return false;
    if (u === "now") {
      this.release();
      return false;
    }
    const key = coalescingKey(element) ?? `#${this.seq++}`;
    this.held.delete(key);
    this.held.set(key, element);
    if (this.held.size >= this.limit) this.release();
    return true;
  }

  release(): void {
    const all = [...this.held.values()];
    this.held.clear();
    for (const element of all) this.write(element);
  }
}
