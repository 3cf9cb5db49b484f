// IQ handlers by payload namespace (RFC 6120 §8.2.3). The rules follow xmpp.js: no handler →
// service-unavailable, a thrown error → internal-server-error, a malformed IQ → bad-request.
import type { Element } from "../xml/element.ts";
import type { Session } from "../stream/session.ts";

export interface IqContext {
  readonly session: Session;
  /** The IQ, with `from` stamped by the server. */
  readonly iq: Element;
  /** Its single payload element. */
  readonly payload: Element;
}

/** Returns the reply (a result or an error stanza), or undefined when the handler replied itself. */
export type IqHandler = (ctx: IqContext) => Promise<Element | undefined> | Element | undefined;

export class IqRegistry {
  private readonly handlers = new Map<string, IqHandler>();

  private static key(type: "get" | "set", xmlns: string, name: string): string {
    return `${type} ${xmlns} ${name}`;
  }

  on(type: "get" | "set", xmlns: string, name: string, handler: IqHandler): void {
    const key = IqRegistry.key(type, xmlns, name);
    if (this.handlers.has(key)) throw new Error(`an IQ handler for ${key} is already registered`);
    this.handlers.set(key, handler);
  }

  find(type: "get" | "set", payload: Element): IqHandler | undefined {
    return this.handlers.get(IqRegistry.key(type, payload.xmlns ?? "", payload.name));
  }

  /** Namespaces with at least one handler (for disco#info features). */
  namespaces(): string[] {
    return [...new Set([...this.handlers.keys()].map((k) => k.split(" ")[1] ?? ""))];
  }
}

/** RFC 6120 §8.2.3: a get or set IQ has exactly one payload child; a result at most one. */
export function iqPayload(iq: Element): Element | undefined | null {
  const children = iq.elements;
  if (iq.attrs.type === "get" || iq.attrs.type === "set") return children.length === 1 ? children[0] : null;
  return children.length <= 1 ? children[0] : null;
}
