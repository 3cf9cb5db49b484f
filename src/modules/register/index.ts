// XEP-0077 in-band registration and account management, wired into the server: the pre-auth feature
// and IQs, the logged-in IQs, and one registration throttle per virtual host.
import type { HostContext, ServerContext } from "../../server-context.ts";
import { registerPreAuth } from "./pre-auth.ts";
import { registerAccountManagement } from "./account.ts";
import { RegistrationThrottle } from "./throttle.ts";

export function registerAccounts(ctx: ServerContext): void {
  const throttles = new Map<string, { options: HostContext["options"]; throttle: RegistrationThrottle }>();
  const throttleFor = (host: HostContext): RegistrationThrottle => {
    const known = throttles.get(host.name);
    // A reload that changed the host's options brings its new limits (and a fresh count).
    if (known !== undefined && known.options === host.options) return known.throttle;
    const throttle = new RegistrationThrottle({
      max: host.options.registration_throttle_max,
      periodMs: host.options.registration_throttle_period * 1000,
    });
    throttles.set(host.name, { options: host.options, throttle });
    return throttle;
  };
  registerPreAuth({ ctx, throttleFor });
  registerAccountManagement(ctx);
}
