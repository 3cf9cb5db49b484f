// The http_file_share component module (Prosody's mod_http_file_share, XEP-0363 HTTP File Upload):
// [components."upload.example.com"] module = "http_file_share". Local users ask it for slots over
// XMPP; files go up and come down over the server's own HTTP listeners under /file_share/.
import type { Component, ComponentEnv, ComponentModule } from "../component.ts";
import type { Element } from "../../xml/element.ts";
import type { Jid } from "../../jid.ts";
import { NS_DISCO_INFO, NS_DISCO_ITEMS, NS_HTTP_UPLOAD } from "../../ns.ts";
import { errorReply } from "../../stanza/errors.ts";
import { iqPayload } from "../../router/iq-registry.ts";
import { mayUpload } from "./access.ts";
import { discoInfo, discoItems } from "./disco.ts";
import { FileStore } from "./file-store.ts";
import { FILE_SHARE_PREFIX, fileShareHandler } from "./http-handler.ts";
import { parseFileShareOptions, type FileShareOptions } from "./options.ts";
import { requestSlot } from "./slot-request.ts";
import { Sweeper } from "./sweeper.ts";

/** Test seam: a clock and a sweep interval; the server uses the defaults. */
export interface FileShareTuning {
  readonly now?: () => number;
  readonly sweepIntervalMs?: number;
}

/** The URL base when http_external_url is unset: the first HTTPS port, else HTTP, on the domain. */
export function defaultBaseUrl(env: ComponentEnv): string | undefined {
  const g = env.ctx.global;
  const https = g.https_ports.find((p) => p !== 0);
  if (https !== undefined) return `https://${env.domain}:${https}`;
  const http = g.http_ports.find((p) => p !== 0);
  return http === undefined ? undefined : `http://${env.domain}:${http}`;
}

export function createFileShare(
  env: ComponentEnv,
  options: FileShareOptions,
  tuning: FileShareTuning = {},
): Component & { sweep(): Promise<number> } {
  const { domain, ctx, logger } = env;
  const now = tuning.now ?? Date.now;
  const store = () => env.storage.store;
  const filesOf = new Map<string, FileStore>();
  const files = (service: string) => {
    let f = filesOf.get(service);
    if (f === undefined) filesOf.set(service, (f = new FileStore(ctx.global.data_path, service)));
    return f;
  };
  const own = files(domain);
  const baseUrl = () => options.http_external_url ?? ctx.global.http_external_url ?? defaultBaseUrl(env);
  const allowed = (bare: string) => mayUpload(options.http_file_share_access, (d) => ctx.hosts.has(d), bare);
  const expiresMs = options.http_file_share_expires_after * 1000;
  const sweeper = new Sweeper(
    { domain, store, files: own, logger, now },
    tuning.sweepIntervalMs ?? Math.max(1000, Math.min(60_000, expiresMs / 4)),
  );

  const answer = async (iq: Element, from: Jid, to: Jid): Promise<Element> => {
    const payload = iqPayload(iq);
    const type = iq.attrs.type;
    if (iq.attrs.id === undefined || (type !== "get" && type !== "set") || !payload)
      return errorReply(iq, "bad-request", { text: "Malformed IQ" });
    // Addressed to a JID on the domain rather than the domain itself: nothing lives there.
    if (to.local !== undefined || to.resource !== undefined) return errorReply(iq, "service-unavailable");
    const ns = payload.xmlns ?? "";
    if (type === "get" && payload.name === "request" && ns === NS_HTTP_UPLOAD) {
      const base = baseUrl();
      if (base === undefined)
        return errorReply(iq, "service-unavailable", { text: "No HTTP listener: set http_external_url" });
      return requestSlot(
        { domain, options, store, baseUrl: () => base, mayUpload: allowed, now },
        iq,
        payload,
        from.bare().toString(),
      );
    }
    if (type === "get" && payload.name === "query" && ns === NS_DISCO_INFO)
      return discoInfo(iq, payload, options.http_file_share_size_limit);
    if (type === "get" && payload.name === "query" && ns === NS_DISCO_ITEMS) return discoItems(iq);
    return errorReply(iq, "service-unavailable");
  };

  return {
    name: "HTTP File Upload",
    async receive(stanza, from, to) {
      // RFC 6120 §8.2.3: only IQs ask for anything here; replies to nothing we sent are dropped.
      if (stanza.name !== "iq" || stanza.attrs.type === "result" || stanza.attrs.type === "error") {
        if (stanza.name === "message" && stanza.attrs.type !== "error" && stanza.attrs.type !== "headline")
          env.send(errorReply(stanza, "service-unavailable"));
        return;
      }
      let reply: Element;
      try {
        reply = await answer(stanza, from, to);
      } catch (err) {
        logger.error({ err }, "upload slot request failed");
        reply = errorReply(stanza, "internal-server-error");
      }
      env.send(reply);
    },
    start() {
      own.prepare();
      if (baseUrl() === undefined)
        logger.warn({ service: domain }, "no HTTP port to serve uploads on: set http_external_url");
      sweeper.start();
      return Promise.resolve();
    },
    stop: () => sweeper.stop(),
    sweep: () => sweeper.sweep(),
    http: {
      prefix: FILE_SHARE_PREFIX,
      handle: fileShareHandler({ store, files, logger, now }),
    },
  };
}

export const HTTP_FILE_SHARE: ComponentModule<FileShareOptions> = {
  name: "http_file_share",
  parseOptions: parseFileShareOptions,
  create: (env, options) => createFileShare(env, options),
};
