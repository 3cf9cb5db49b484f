// SASL2 (XEP-0388) with its inline features: Bind2 (XEP-0386, with XEP-0280 carbons inside) and
// FAST (XEP-0484). Tokens live in the shared store; a password changed through us ends them (an
// account removed through us loses them with the rest of its data: ChatStore.deleteAccount).
import type { ServerContext } from "../server-context.ts";
import type { StoreHandle } from "../storage/handle.ts";
import { authenticationFeature } from "../stream/sasl2.ts";
import { bind2Feature } from "../stream/bind2.ts";
import { fastFeature } from "../stream/fast.ts";
import { carbonsBindFeature } from "./carbons/bind2-inline.ts";

export function registerSasl2({ ctx, storage }: { ctx: ServerContext; storage: StoreHandle }): void {
  ctx.preAuthFeatures.push(authenticationFeature);
  ctx.inline.addSasl2(fastFeature(() => storage.store.fastTokens));
  ctx.inline.addSasl2(bind2Feature());
  ctx.inline.addBind(carbonsBindFeature());
  ctx.hooks.passwordChanged.add((bare) => storage.store.fastTokens.fastForget(bare));
}
