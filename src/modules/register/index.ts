// XEP-0077 in-band registration and account management, wired into the server: the pre-auth feature
// and IQs, the logged-in IQs, and one registration throttle per virtual host.
import type { HostContext, ServerContext } from "../../server-context.ts";
import { registerPreAuth } from "./pre-auth.ts";
import { registerAccountManagement } from "./account.ts";
import { RegistrationThrottle } from "./throttle.ts";

export function registerAccounts(ctx: ServerContext): void {
  const throttles = new Map<string, RegistrationThrottle>();
  const throttleFor = (host: HostContext): RegistrationThrottle => {
    let throttle = throttles.get(host.name);
    if (throttle === undefined) {
      throttle = new RegistrationThrottle({
        max: host.options.registration_throttle_max,
        periodMs: host.options.registration_throttle_period * 1000,
      });
      throttles.set(host.name, throttle);
    }
    return throttle;
  };
  registerPreAuth({ ctx, throttleFor });
  registerAccountManagement(ctx);
}
