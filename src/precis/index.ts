// PRECIS (RFC 8264) profiles for usernames and passwords (RFC 8265) and the XMPP address parts (RFC 7622).
export type { PrecisResult } from "./result.ts";
export { usernameCaseMapped, opaqueString } from "./profiles.ts";
export { localpartPrep, resourcePrep, domainPrep, JID_PART_MAX_BYTES } from "./xmpp-parts.ts";
export { derivedProperty, type DerivedProperty } from "./derived-property.ts";
