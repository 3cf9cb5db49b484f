// Secrets never reach the output. Probe texts are written without secrets, but "what happened" quotes
// the API (a body, an error message), and an API may echo what it was sent: an error page that prints
// the request URL prints the password. So every string is scrubbed of every secret the run knows, in
// every encoding it went on the wire in.
import { encodeValue } from "../auth/http/protocol.ts";

export const MASK = "***";

export type Redactor = (text: string) => string;

export function createRedactor(secrets: ReadonlyArray<string | undefined>): Redactor {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === undefined || secret === "") continue;
    forms.add(secret);
    forms.add(encodeValue(secret));
    forms.add(encodeValue(secret).toUpperCase());
    forms.add(encodeURIComponent(secret));
    forms.add(Buffer.from(secret, "utf8").toString("base64"));
  }
  // Longest first, so a secret that contains another is masked whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const form of ordered) out = out.split(form).join(MASK);
    return out;
  };
}
