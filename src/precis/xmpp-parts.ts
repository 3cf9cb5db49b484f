// RFC 7622 §3.2-§3.4: preparing the domainpart, localpart and resourcepart of an XMPP address.
import { isIPv4, isIPv6 } from "node:net";
import { domainToASCII, domainToUnicode } from "node:url";
import { bidiRuleViolation, hasRightToLeft } from "./bidi-rule.ts";
import { opaqueString, usernameCaseMapped } from "./profiles.ts";
import { fail, hexCp, ok, utf8Length, type PrecisResult } from "./result.ts";
import { codePoints, stringClassViolation } from "./string-class.ts";

/** RFC 7622 §3.3, §3.4 (and §3.2 for the domainpart): each part is at most 1023 bytes of UTF-8. */
export const JID_PART_MAX_BYTES = 1023;

// RFC 7622 §3.3.1: characters the localpart may not hold although the IdentifierClass allows them.
const LOCALPART_PROHIBITED = new Set(['"', "&", "'", "/", ":", "<", ">", "@"]);

function withinLimit(result: PrecisResult, part: string): PrecisResult {
  if (!result.ok) return result;
  const bytes = utf8Length(result.value);
  return bytes > JID_PART_MAX_BYTES
    ? fail(`${part} is ${bytes} bytes of UTF-8, more than ${JID_PART_MAX_BYTES}`)
    : result;
}

/** RFC 7622 §3.3: UsernameCaseMapped, minus the characters of §3.3.1, at most 1023 bytes. */
export function localpartPrep(input: string): PrecisResult {
  const result = usernameCaseMapped(input);
  if (!result.ok) return result;
  for (const ch of result.value) {
    if (LOCALPART_PROHIBITED.has(ch))
      return fail(`${hexCp(ch.codePointAt(0)!)} (${ch}) is not allowed in a localpart`);
  }
  return withinLimit(result, "localpart");
}

/** RFC 7622 §3.4: OpaqueString, at most 1023 bytes. */
export function resourcePrep(input: string): PrecisResult {
  return withinLimit(opaqueString(input), "resourcepart");
}

// An ASCII label in a host name: letters, digits and inner hyphens (RFC 1123 §2.1). "_" is accepted too,
// because deployed XMPP services use it in host names and IDNA's UTS #46 processing lets it through.
const ASCII_LABEL = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/;
const MAX_LABEL_BYTES = 63; // RFC 1035 §2.3.4, counted on the A-label form that goes on the wire

/**
 * RFC 7622 §3.2: IP literals ([IPv6] or dotted-quad IPv4) as they are, otherwise a host name mapped
 * with UTS #46 (lower case, NFC, fullwidth forms and ideographic full stops folded) through Node's
 * url.domainToASCII, checked on the way back with domainToUnicode. The result is the Unicode (U-label)
 * form without a trailing dot, so that equal domains compare equal octet for octet.
 */
export function domainPrep(input: string): PrecisResult {
  if (input === "") return fail("empty");
  const literal = /^\[(.*)\]$/.exec(input);
  if (literal) {
    const address = literal[1] ?? "";
    return isIPv6(address)
      ? ok(`[${address.toLowerCase()}]`)
      : fail(`${input} is not an IPv6 address literal`);
  }
  const ascii = domainToASCII(input);
  if (ascii === "") return fail(`${JSON.stringify(input)} is not a valid domain name`);
  // WHATWG host parsing reads a numeric last label as an IPv4 address in any notation ("0x7f.1"); only
  // the dotted-quad form is an address literal in XMPP.
  if (isIPv4(ascii)) {
    return isIPv4(input.replace(/\.$/, "")) ? ok(ascii) : fail(`${input} is not a dotted-quad IPv4 address`);
  }
  const host = ascii.endsWith(".") ? ascii.slice(0, -1) : ascii; // §3.2: a final dot is stripped
  const labels = host.split(".");
  for (const label of labels) {
    if (label.length === 0) return fail("a label is empty");
    if (label.length > MAX_LABEL_BYTES)
      return fail(`a label is ${label.length} bytes, more than ${MAX_LABEL_BYTES}`);
    if (!ASCII_LABEL.test(label))
      return fail(`label ${JSON.stringify(label)} is not a valid host name label`);
  }
  const unicode = domainToUnicode(host);
  if (domainToASCII(unicode) !== host)
    return fail(`${JSON.stringify(input)} does not survive an IDNA round trip`);
  // UTS #46 admits some code points IDNA2008 does not (symbols such as U+265A); the IdentifierClass is
  // the PRECIS counterpart of IDNA2008's PVALID set, so non-ASCII labels must also conform to it.
  const uLabels = unicode.split(".").map(codePoints);
  for (const cps of uLabels) {
    if (cps.every((cp) => cp < 0x80)) continue;
    const error = stringClassViolation(cps, "identifier");
    if (error) return fail(`label ${JSON.stringify(String.fromCodePoint(...cps))}: ${error}`);
  }
  // RFC 5893 §2: in a domain name with any right-to-left label, every label satisfies the Bidi Rule.
  // (Node's domainToASCII does not check it.)
  if (uLabels.some(hasRightToLeft)) {
    for (const cps of uLabels) {
      const error = bidiRuleViolation(cps);
      if (error) return fail(`label ${JSON.stringify(String.fromCodePoint(...cps))}: ${error}`);
    }
  }
  const bytes = utf8Length(unicode);
  if (bytes > JID_PART_MAX_BYTES)
    return fail(`domainpart is ${bytes} bytes of UTF-8, more than ${JID_PART_MAX_BYTES}`);
  return ok(unicode);
}
