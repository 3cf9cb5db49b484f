// XML namespaces used across the server, each with the document that defines it.
export const NS_CLIENT = "jabber:client"; // RFC 6120 §4.8.3
export const NS_STREAMS = "http://etherx.jabber.org/streams"; // RFC 6120 §4.8.1
export const NS_XMPP_STREAMS = "urn:ietf:params:xml:ns:xmpp-streams"; // RFC 6120 §4.9.3
export const NS_TLS = "urn:ietf:params:xml:ns:xmpp-tls"; // RFC 6120 §5.4
export const NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"; // RFC 6120 §6.4
export const NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind"; // RFC 6120 §7
export const NS_SESSION = "urn:ietf:params:xml:ns:xmpp-session"; // RFC 3921 §3, draft-cridland-xmpp-session
export const NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"; // RFC 6120 §8.3
export const NS_FRAMING = "urn:ietf:params:xml:ns:xmpp-framing"; // RFC 7395 §3.3
export const NS_PING = "urn:xmpp:ping"; // XEP-0199
export const NS_DISCO_INFO = "http://jabber.org/protocol/disco#info"; // XEP-0030
export const NS_DISCO_ITEMS = "http://jabber.org/protocol/disco#items"; // XEP-0030
export const NS_VERSION = "jabber:iq:version"; // XEP-0092
export const NS_REGISTER = "jabber:iq:register"; // XEP-0077
export const NS_REGISTER_FEATURE = "http://jabber.org/features/iq-register"; // XEP-0077 §6
export const NS_ROSTER = "jabber:iq:roster"; // RFC 6121 §2
export const NS_DATA = "jabber:x:data"; // XEP-0004
