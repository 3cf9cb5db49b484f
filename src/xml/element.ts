// A small immutable-by-convention XML element tree: what the stream parser yields and what the
// server builds and serialises. Namespace handling follows RFC 6120 §4.8: `xmlns` is an attribute.

export type Node = Element | string;

export class Element {
  readonly name: string;
  readonly attrs: Record<string, string>;
  readonly children: Node[];

  constructor(name: string, attrs: Record<string, string | undefined> = {}, children: Node[] = []) {
    this.name = name;
    this.attrs = {};
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined) this.attrs[k] = v;
    this.children = children;
  }

  /** Appends a child element and returns it (for building nested trees). */
  c(name: string, attrs: Record<string, string | undefined> = {}): Element {
    const child = new Element(name, attrs);
    this.children.push(child);
    return child;
  }

  /** Appends children and returns this element. */
  append(...nodes: Node[]): this {
    this.children.push(...nodes);
    return this;
  }

  get xmlns(): string | undefined {
    return this.attrs.xmlns;
  }

  /** The local name, without a prefix. */
  get localName(): string {
    const i = this.name.indexOf(":");
    return i === -1 ? this.name : this.name.slice(i + 1);
  }

  /** The first child element with this name (and namespace, when given). */
  getChild(name: string, xmlns?: string): Element | undefined {
    for (const child of this.children) {
      if (
        typeof child !== "string" &&
        child.name === name &&
        (xmlns === undefined || child.xmlns === xmlns)
      ) {
        return child;
      }
    }
    return undefined;
  }

  getChildren(name?: string, xmlns?: string): Element[] {
    return this.children.filter(
      (c): c is Element =>
        typeof c !== "string" &&
        (name === undefined || c.name === name) &&
        (xmlns === undefined || c.xmlns === xmlns),
    );
  }

  /** Child elements only. */
  get elements(): Element[] {
    return this.children.filter((c): c is Element => typeof c !== "string");
  }

  /** The concatenated text content of this element's direct text children. */
  text(): string {
    let s = "";
    for (const c of this.children) if (typeof c === "string") s += c;
    return s;
  }

  getChildText(name: string, xmlns?: string): string | undefined {
    return this.getChild(name, xmlns)?.text();
  }

  toString(): string {
    return serialize(this);
  }
}

/** Shorthand builder: el("iq", { type: "result" }, el("ping", { xmlns: NS })). */
export function el(
  name: string,
  attrs: Record<string, string | undefined> = {},
  ...children: Node[]
): Element {
  return new Element(name, attrs, children);
}

// XML 1.0 §2.11 and §3.3.3: a parser turns a literal CR into LF, and tab, CR and LF in an attribute
// value into spaces; as character references they survive, so the tree re-parses to itself.
const TEXT_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;" };
const ATTR_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
  "\t": "&#9;",
  "\n": "&#10;",
  "\r": "&#13;",
};

export function escapeText(s: string): string {
  return s.replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c] ?? c);
}

export function escapeAttr(s: string): string {
  return s.replace(/[&<>"'\t\n\r]/g, (c) => ATTR_ESCAPES[c] ?? c);
}

export function serializeAttrs(attrs: Record<string, string>): string {
  let out = "";
  for (const [k, v] of Object.entries(attrs)) out += ` ${k}="${escapeAttr(v)}"`;
  return out;
}

/**
 * Iterative, so a tree of any depth serialises (a recursive walk overflows the stack near 7,000
 * levels); the parsers cap the depth of what peers send, but trees are also built in code.
 */
export function serialize(node: Node): string {
  if (typeof node === "string") return escapeText(node);
  let out = "";
  // Each frame: an element and the index of its next child to write.
  const stack: { el: Element; next: number }[] = [];
  let current: Element | undefined = node;
  for (;;) {
    if (current !== undefined) {
      out += `<${current.name}${serializeAttrs(current.attrs)}`;
      if (current.children.length === 0) out += "/>";
      else {
        out += ">";
        stack.push({ el: current, next: 0 });
      }
      current = undefined;
    }
    const top = stack.at(-1);
    if (top === undefined) return out;
    const child = top.el.children[top.next++];
    if (child === undefined) {
      out += `</${top.el.name}>`;
      stack.pop();
    } else if (typeof child === "string") out += escapeText(child);
    else current = child;
  }
}
