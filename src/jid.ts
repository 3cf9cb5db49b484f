// RFC 7622: XMPP addresses. Parsing (§3.1), preparation of each part (§3.2-§3.4), bare/full, equality.
import { XhaError } from "./errors.ts";
import { domainPrep, localpartPrep, resourcePrep, type PrecisResult } from "./precis/index.ts";

function prepared(
  part: "localpart" | "domainpart" | "resourcepart",
  result: PrecisResult,
  raw: string,
): string {
  if (result.ok) return result.value;
  throw new XhaError("XHA_JID_INVALID", `invalid ${part} ${JSON.stringify(raw)}: ${result.reason}`);
}

/** An XMPP address whose parts have been prepared; build one with parseJid or makeJid. */
export class Jid {
  readonly local: string | undefined;
  readonly domain: string;
  readonly resource: string | undefined;

  // Private so that every Jid in the program holds prepared parts and equals() can compare octets.
  private constructor(local: string | undefined, domain: string, resource: string | undefined) {
    this.local = local;
    this.domain = domain;
    this.resource = resource;
    Object.freeze(this);
  }

  /** Prepares each part (RFC 7622 §3.2-§3.4); throws XHA_JID_INVALID naming the part and the reason. */
  static of(local: string | undefined, domain: string, resource?: string): Jid {
    return new Jid(
      local === undefined ? undefined : prepared("localpart", localpartPrep(local), local),
      prepared("domainpart", domainPrep(domain), domain),
      resource === undefined ? undefined : prepared("resourcepart", resourcePrep(resource), resource),
    );
  }

  /** RFC 7622 §3.1: the resourcepart starts at the first "/", the localpart ends at the first "@" before it. */
  static parse(s: string): Jid {
    const slash = s.indexOf("/");
    const head = slash < 0 ? s : s.slice(0, slash);
    const resource = slash < 0 ? undefined : s.slice(slash + 1);
    const at = head.indexOf("@");
    const local = at < 0 ? undefined : head.slice(0, at);
    const domain = at < 0 ? head : head.slice(at + 1);
    // Say which part is empty rather than letting a profile report a bare "empty".
    if (local === "")
      throw new XhaError("XHA_JID_INVALID", `invalid JID ${JSON.stringify(s)}: empty localpart`);
    if (domain === "")
      throw new XhaError("XHA_JID_INVALID", `invalid JID ${JSON.stringify(s)}: empty domainpart`);
    if (resource === "")
      throw new XhaError("XHA_JID_INVALID", `invalid JID ${JSON.stringify(s)}: empty resourcepart`);
    return Jid.of(local, domain, resource);
  }

  /** True when there is no resourcepart. */
  get isBare(): boolean {
    return this.resource === undefined;
  }

  /** The address without its resourcepart (this same object when already bare). */
  bare(): Jid {
    return this.isBare ? this : new Jid(this.local, this.domain, undefined);
  }

  /** The same bare address with another resourcepart, prepared. */
  withResource(resource: string): Jid {
    return new Jid(this.local, this.domain, prepared("resourcepart", resourcePrep(resource), resource));
  }

  /** RFC 7622 §3: parts are compared octet for octet after preparation. */
  equals(other: Jid): boolean {
    return this.local === other.local && this.domain === other.domain && this.resource === other.resource;
  }

  toString(): string {
    const bare = this.local === undefined ? this.domain : `${this.local}@${this.domain}`;
    return this.resource === undefined ? bare : `${bare}/${this.resource}`;
  }
}

/** Parses and prepares a JID; throws XhaError("XHA_JID_INVALID") with the part and the reason. */
export function parseJid(s: string): Jid {
  return Jid.parse(s);
}

/** parseJid, with undefined instead of an exception for an invalid address. */
export function tryParseJid(s: string): Jid | undefined {
  try {
    return Jid.parse(s);
  } catch (err) {
    if (err instanceof XhaError && err.code === "XHA_JID_INVALID") return undefined;
    throw err;
  }
}

/** Builds a JID from separate parts, preparing each; throws like parseJid. */
export function makeJid(local: string | undefined, domain: string, resource?: string): Jid {
  return Jid.of(local, domain, resource);
}
