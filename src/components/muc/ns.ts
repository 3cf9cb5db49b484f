// Namespaces of the MUC component; those other features use too come from src/ns.ts.
export const NS_MUC = "http://jabber.org/protocol/muc"; // XEP-0045 §19.1
export const NS_MUC_USER = "http://jabber.org/protocol/muc#user"; // XEP-0045 §19.2
export const NS_MUC_ADMIN = "http://jabber.org/protocol/muc#admin"; // XEP-0045 §19.3
export const NS_MUC_OWNER = "http://jabber.org/protocol/muc#owner"; // XEP-0045 §19.4
export const NS_MUC_ROOMINFO = "http://jabber.org/protocol/muc#roominfo"; // XEP-0045 §15.5.4
export { NS_MAM, NS_RSM, NS_SID } from "../../ns.ts";
export const NS_CONFERENCE = "jabber:x:conference"; // XEP-0249
