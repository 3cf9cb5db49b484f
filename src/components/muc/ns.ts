// Namespaces of the MUC component (kept here so src/ns.ts stays untouched by this feature).
export const NS_MUC = "http://jabber.org/protocol/muc"; // XEP-0045 §19.1
export const NS_MUC_USER = "http://jabber.org/protocol/muc#user"; // XEP-0045 §19.2
export const NS_MUC_ADMIN = "http://jabber.org/protocol/muc#admin"; // XEP-0045 §19.3
export const NS_MUC_OWNER = "http://jabber.org/protocol/muc#owner"; // XEP-0045 §19.4
export const NS_MUC_ROOMINFO = "http://jabber.org/protocol/muc#roominfo"; // XEP-0045 §15.5.4
export const NS_SID = "urn:xmpp:sid:0"; // XEP-0359
export const NS_MAM = "urn:xmpp:mam:2"; // XEP-0313
export const NS_RSM = "http://jabber.org/protocol/rsm"; // XEP-0059
export const NS_CONFERENCE = "jabber:x:conference"; // XEP-0249
