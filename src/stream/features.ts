// Stream features (RFC 6120 §4.3.2), in negotiation order: STARTTLS (§5), SASL (§6), then resource
// binding (§7) with the legacy session feature (RFC 3921 §3) marked optional.
import { el, type Element } from "../xml/element.ts";
import type { ChannelBindingType } from "../tls/channel-binding.ts";
import { NS_BIND, NS_ROSTER_VER, NS_SASL, NS_SESSION, NS_TLS } from "../ns.ts";

const NS_SASL_CB = "urn:xmpp:sasl-cb:0";

export interface FeatureState {
  readonly authenticated: boolean;
  readonly secure: boolean;
  readonly canStartTls: boolean;
  readonly requireEncryption: boolean;
  readonly allowPlainUnencrypted: boolean;
  readonly providerPlaintext: boolean;
  /** TLS channel bindings this connection has (for SCRAM-*-PLUS), in our order of preference. */
  readonly channelBindings: readonly ChannelBindingType[];
}

/** PLAIN travels in the clear before TLS: offer it then only with both opt-ins. */
export function plainAllowed(s: FeatureState): boolean {
  return s.providerPlaintext && (s.secure || (!s.requireEncryption && s.allowPlainUnencrypted));
}

/** `mechanisms`: the names offered in this state, strongest first (RFC 6120 §6.4.1). */
export function streamFeatures(
  s: FeatureState,
  mechanisms: readonly string[],
  extra: readonly Element[],
): Element {
  const features = el("stream:features");
  if (s.authenticated) {
    features.append(el("bind", { xmlns: NS_BIND }), el("session", { xmlns: NS_SESSION }, el("optional")));
    // XEP-0237 §3: clients send a roster version only when the server advertises versioning.
    features.append(el("ver", { xmlns: NS_ROSTER_VER }));
    features.append(...extra);
    return features;
  }
  if (!s.secure && s.canStartTls) {
    const starttls = features.c("starttls", { xmlns: NS_TLS });
    if (s.requireEncryption) starttls.c("required");
  }
  if (mechanisms.length > 0)
    features.append(el("mechanisms", { xmlns: NS_SASL }, ...mechanisms.map((m) => el("mechanism", {}, m))));
  // XEP-0440 §3: which channel bindings the -PLUS mechanisms can use here.
  if (mechanisms.some((m) => m.endsWith("-PLUS")) && s.channelBindings.length > 0)
    features.append(
      el(
        "sasl-channel-binding",
        { xmlns: NS_SASL_CB },
        ...s.channelBindings.map((type) => el("channel-binding", { type })),
      ),
    );
  features.append(...extra);
  return features;
}
