// XEP-0115 §5.1: the verification string of a disco#info result and its hash, so that a `ver` a
// client announces can be checked before its features are cached for every client sending it (§5.4).
import { createHash } from "node:crypto";
import type { Element } from "../../xml/element.ts";
import { NS_DATA } from "../../ns.ts";

/** The hash functions of XEP-0115 §5.1 (IANA names) that Node provides. */
const HASHES: Readonly<Record<string, string>> = {
  "sha-1": "sha1",
  "sha-256": "sha256",
  "sha-512": "sha512",
};

export const supportedHash = (name: string | undefined): boolean => name !== undefined && name in HASHES;

const byOctets = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** §5.1 steps 1–8: identities, features and extended forms (by FORM_TYPE) in byte order. */
export function verificationString(query: Element): string {
  const identities = query
    .getChildren("identity")
    .map(
      (i) =>
        `${i.attrs.category ?? ""}/${i.attrs.type ?? ""}/${i.attrs["xml:lang"] ?? ""}/${i.attrs.name ?? ""}<`,
    )
    .sort(byOctets);
  const features = query
    .getChildren("feature")
    .map((f) => `${f.attrs.var ?? ""}<`)
    .sort(byOctets);
  const forms = query
    .getChildren("x", NS_DATA)
    .map((x) => {
      const fields = x.getChildren("field");
      const type = fields.find((f) => f.attrs.var === "FORM_TYPE")?.getChildText("value") ?? "";
      const rest = fields
        .filter((f) => f.attrs.var !== "FORM_TYPE")
        .sort((a, b) => byOctets(a.attrs.var ?? "", b.attrs.var ?? ""))
        .map(
          (f) =>
            `${f.attrs.var ?? ""}<` +
            f
              .getChildren("value")
              .map((v) => `${v.text()}<`)
              .sort(byOctets)
              .join(""),
        );
      return { type, text: `${type}<${rest.join("")}` };
    })
    .sort((a, b) => byOctets(a.type, b.type))
    .map((f) => f.text);
  return identities.join("") + features.join("") + forms.join("");
}

/** §5.1 step 9–10: base64 of the hash of the verification string; undefined for an unknown hash. */
export function capsVer(query: Element, hash: string): string | undefined {
  const algorithm = HASHES[hash];
  if (algorithm === undefined) return undefined;
  return createHash(algorithm).update(verificationString(query), "utf8").digest("base64");
}
