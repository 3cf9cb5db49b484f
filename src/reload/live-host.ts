// A virtual host whose options and auth provider a reload may replace. Sessions keep a reference to
// their host, so they see the new provider and options at their next call instead of holding on to a
// closed one; the old provider is closed by the reload once its calls in flight have finished.
import type { AuthProvider } from "../auth/provider.ts";
import type { HostOptions } from "../config/schema.ts";
import type { HostContext } from "../server-context.ts";
import type { SaslMechanism } from "../stream/sasl-mechanism.ts";
import { createMechanisms } from "../stream/sasl-mechanisms.ts";

export class LiveHost implements HostContext {
  #options: HostOptions;
  #provider: AuthProvider;
  #mechanisms: readonly SaslMechanism[];

  constructor(
    readonly name: string,
    options: HostOptions,
    provider: AuthProvider,
  ) {
    this.#options = options;
    this.#provider = provider;
    this.#mechanisms = createMechanisms(provider, options);
  }

  get options(): HostOptions {
    return this.#options;
  }

  get provider(): AuthProvider {
    return this.#provider;
  }

  /** Follows the provider's capabilities and the options (disable_sasl_mechanisms, http_auth_scram). */
  get mechanisms(): readonly SaslMechanism[] {
    return this.#mechanisms;
  }

  /** Installs new options and provider; returns the provider replaced, for the caller to close. */
  swap(options: HostOptions, provider: AuthProvider): AuthProvider {
    const old = this.#provider;
    this.#options = options;
    this.#provider = provider;
    this.#mechanisms = createMechanisms(provider, options);
    return old;
  }
}
