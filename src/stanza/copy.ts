// A shallow copy of a stanza with some attributes replaced (undefined removes one): routed stanzas
// are shared between recipients, so the copy never mutates the original.
import { Element } from "../xml/element.ts";

export function withAttrs(stanza: Element, attrs: Record<string, string | undefined>): Element {
  return new Element(stanza.name, { ...stanza.attrs, ...attrs }, [...stanza.children]);
}
