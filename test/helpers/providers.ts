// HTTP providers for tests: each made over a file's defaults (computed when made, since the
// recorder's address is only known once it listens), and all closed together after the file.
import { createHttpProvider, type HttpProviderOptions } from "../../src/auth/http/provider.ts";
import type { AuthProvider } from "../../src/auth/provider.ts";

export interface ProviderMaker {
  make(extra?: Partial<HttpProviderOptions>): AuthProvider;
  closeAll(): Promise<void>;
}

export function providerMaker(defaults: () => HttpProviderOptions): ProviderMaker {
  const made: AuthProvider[] = [];
  return {
    make(extra = {}) {
      const p = createHttpProvider({ ...defaults(), ...extra });
      made.push(p);
      return p;
    },
    async closeAll() {
      await Promise.all(made.splice(0).map((p) => p.close()));
    },
  };
}
