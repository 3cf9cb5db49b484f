// Small XEP-0045 helpers over ChatClient for the MUC tests: join, wait for a room's presence or
// message, submit a room configuration form.
import { xml, type ChatClient, type XmlElement } from "./chat-client.ts";

export const NS_MUC = "http://jabber.org/protocol/muc";
export const NS_MUC_USER = "http://jabber.org/protocol/muc#user";
export const NS_MUC_ADMIN = "http://jabber.org/protocol/muc#admin";
export const NS_MUC_OWNER = "http://jabber.org/protocol/muc#owner";
export const NS_DATA = "jabber:x:data";

/** The status codes of a MUC presence or message. */
export function codes(s: XmlElement): string[] {
  return (s.getChild("x", NS_MUC_USER)?.getChildren("status") ?? []).map((c) => c.attrs.code as string);
}

export function item(s: XmlElement): XmlElement | undefined {
  return s.getChild("x", NS_MUC_USER)?.getChild("item");
}

/** Sends a join presence and waits for the self-presence (110) or an error; returns it. */
export async function join(
  c: ChatClient,
  occupant: string,
  opts: { password?: string; history?: Record<string, string> } = {},
): Promise<XmlElement> {
  const mark = c.received.length;
  const x = xml(
    "x",
    { xmlns: NS_MUC },
    ...(opts.password === undefined ? [] : [xml("password", {}, opts.password)]),
    ...(opts.history === undefined ? [] : [xml("history", opts.history)]),
  );
  await c.send(xml("presence", { to: occupant }, x));
  return c.waitFor(
    (s) =>
      s.name === "presence" &&
      s.attrs.from === occupant &&
      (s.attrs.type === "error" || (s.attrs.type === undefined && codes(s).includes("110"))),
    `self-presence from ${occupant}`,
    5000,
    mark,
  );
}

/** Waits (from `mark` on) for a groupchat message from the room with this body. */
export function groupchat(c: ChatClient, body: string, mark = 0): Promise<XmlElement> {
  return c.waitFor(
    (s) => s.name === "message" && s.attrs.type === "groupchat" && s.getChildText("body") === body,
    `groupchat "${body}"`,
    5000,
    mark,
  );
}

export function presenceFrom(
  c: ChatClient,
  from: string,
  mark: number,
  test: (s: XmlElement) => boolean = () => true,
): Promise<XmlElement> {
  return c.waitFor(
    (s) => s.name === "presence" && s.attrs.from === from && test(s),
    `presence from ${from}`,
    5000,
    mark,
  );
}

/** A submitted muc#roomconfig form with these fields. */
export function configSubmit(room: string, fields: Record<string, string>): XmlElement {
  return xml(
    "iq",
    { type: "set", to: room },
    xml(
      "query",
      { xmlns: NS_MUC_OWNER },
      xml(
        "x",
        { xmlns: NS_DATA, type: "submit" },
        xml("field", { var: "FORM_TYPE" }, xml("value", {}, "http://jabber.org/protocol/muc#roomconfig")),
        ...Object.entries(fields).map(([k, v]) => xml("field", { var: k }, xml("value", {}, v))),
      ),
    ),
  );
}

export function adminSet(room: string, attrs: Record<string, string>, reason?: string): XmlElement {
  return xml(
    "iq",
    { type: "set", to: room },
    xml(
      "query",
      { xmlns: NS_MUC_ADMIN },
      xml("item", attrs, ...(reason === undefined ? [] : [xml("reason", {}, reason)])),
    ),
  );
}
