// Which SASL mechanisms a host offers, strongest first: they follow from what its provider can do
// (a provider that only checks plaintext passwords backs PLAIN alone, as in Prosody) and from its
// options. New mechanisms (HT-*, EXTERNAL) slot in here without touching the stream core.
import type { AuthProvider } from "../auth/provider.ts";
import type { HostOptions } from "../config/schema.ts";
import { plainMechanism } from "./mechanism-plain.ts";
import { createFakeCredentials, scramMechanism } from "./mechanism-scram.ts";
import type { SaslMechanism } from "./sasl-mechanism.ts";

export function createMechanisms(provider: AuthProvider, options: HostOptions): readonly SaslMechanism[] {
  const list: SaslMechanism[] = [];
  if (options.http_auth_scram && provider.capabilities.scram) {
    const fake = createFakeCredentials();
    list.push(
      scramMechanism("sha256", fake, { plus: true }),
      scramMechanism("sha1", fake, { plus: true }),
      scramMechanism("sha256", fake),
      scramMechanism("sha1", fake),
    );
  }
  if (provider.capabilities.plaintext) list.push(plainMechanism());
  const disabled = new Set<string>(options.disable_sasl_mechanisms);
  return Object.freeze(list.filter((m) => !disabled.has(m.name)));
}
