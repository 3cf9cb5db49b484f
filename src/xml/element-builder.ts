// RFC 6120 §4.8 and Namespaces in XML 1.0 §6: a stanza lifted out of its stream keeps its namespaces.
import type { SaxesTagNS } from "saxes";
import { Element } from "./element.ts";

/**
 * Builds one top-level element from parser events. The result serialises as standalone XML with
 * the same meaning it had inside the stream: the top element gets an explicit `xmlns` (its own
 * namespace) and any prefix bound on the stream header is re-declared on it.
 * A class with prototype methods: one lives in every connection, so it carries no closures.
 */
export class ElementBuilder {
  private readonly stack: Element[] = [];

  /** How many elements are open. */
  get depth(): number {
    return this.stack.length;
  }

  open(tag: SaxesTagNS): void {
    const stack = this.stack;
    const isTop = stack.length === 0;
    const attrs: Record<string, string> = {};
    // Set first so that it serialises first; an explicit declaration below overwrites it.
    if (isTop) attrs.xmlns = tag.uri;
    for (const attr of Object.values(tag.attributes)) attrs[attr.name] = attr.value;
    const el = new Element(tag.name, attrs);
    // An unprefixed child of a prefixed top element (say <foo/> in <stream:features>) inherited the
    // stream's default namespace, not the xmlns we put on the top element: make it explicit.
    if (!isTop && tag.prefix === "" && el.attrs.xmlns === undefined && this.inheritedDefault() !== tag.uri) {
      el.attrs.xmlns = tag.uri;
    }
    this.declare(el, tag.prefix, tag.uri);
    for (const attr of Object.values(tag.attributes)) this.declare(el, attr.prefix, attr.uri);
    stack.at(-1)?.children.push(el);
    stack.push(el);
  }

  text(s: string): void {
    const current = this.stack.at(-1);
    if (current === undefined || s === "") return;
    const last = current.children.length - 1;
    const previous = current.children[last];
    // saxes may split one run of character data (around CDATA sections); keep it one node.
    if (typeof previous === "string") current.children[last] = previous + s;
    else current.children.push(s);
  }

  /** Closes the innermost element; returns the top-level element once it is complete. */
  close(): Element | undefined {
    const el = this.stack.pop();
    return this.stack.length === 0 ? el : undefined;
  }

  private inheritedDefault(): string | undefined {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const xmlns = this.stack[i]?.attrs.xmlns;
      if (xmlns !== undefined) return xmlns;
    }
    return undefined;
  }

  private declare(el: Element, prefix: string, uri: string): void {
    if (prefix === "" || prefix === "xml" || prefix === "xmlns") return;
    const key = `xmlns:${prefix}`;
    if (el.attrs[key] !== undefined) return;
    for (const ancestor of this.stack) if (ancestor.attrs[key] !== undefined) return;
    // Not declared inside the stanza, so it was bound on the stream header: carry it along.
    (this.stack[0] ?? el).attrs[key] = uri;
  }
}
