// Helpers the private-storage and vCard handlers share: the size of what a client asks us to keep,
// and reading back what we kept (serialized by the server itself, so a failure is a store fault).
import { serialize, type Element } from "../../xml/element.ts";
import { parseStoredElement } from "../../xml/parse-stored.ts";
import { XhaError } from "../../errors.ts";
import { tryParseJid } from "../../jid.ts";
import type { IqContext } from "../../router/iq-registry.ts";

/** Bytes of the element as it would be stored (UTF-8). */
export function storedSize(e: Element): number {
  return Buffer.byteLength(serialize(e), "utf8");
}

/** The stored element; throws (→ internal-server-error) when the text is not one element. */
export function readStored(xml: string, what: string): Element {
  const e = parseStoredElement(xml);
  if (e === undefined) throw new XhaError("XHA_STORE", `a stored ${what} is not well-formed XML`);
  return e;
}

/** The account an IQ to a bare JID is about (its `to`, or the sender's own) and whether it is the sender's. */
export function accountOf({ session, iq }: IqContext): { account: string; own: boolean } {
  const own = session.jid?.bare().toString() ?? "";
  const to = iq.attrs.to === undefined ? undefined : tryParseJid(iq.attrs.to)?.bare().toString();
  return { account: to ?? own, own: to === undefined || to === own };
}
