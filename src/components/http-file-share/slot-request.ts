// XEP-0363 §4: a client asks the upload service for a slot (<request filename size content-type/>)
// and gets a PUT URL, with the Authorization header to send (§4, <header/>), and a GET URL. Refusals
// use the XEP's elements: §5 file-too-large (modify/not-acceptable with <file-too-large/>),
// quota (wait/resource-constraint with <retry stamp/>) and not-allowed for those without access.
import { el, type Element } from "../../xml/element.ts";
import { NS_HTTP_UPLOAD } from "../../ns.ts";
import { errorReply, iqResult, type ErrorType, type StanzaErrorCondition } from "../../stanza/errors.ts";
import type { UploadStore } from "../../storage/upload.ts";
import type { FileShareOptions } from "./options.ts";
import { isContentType } from "./content-headers.ts";
import { hashSecret, newPutSecret, newSlotId } from "./tokens.ts";

/** Slots one user may hold per 24 hours, whatever their sizes: rows are not free either. */
export const DAILY_SLOT_LIMIT = 1000;
const DAY_MS = 86_400_000;

export interface SlotDeps {
  readonly domain: string;
  readonly options: FileShareOptions;
  readonly store: () => UploadStore;
  /** Base of the URLs, without a trailing slash. */
  readonly baseUrl: () => string;
  /** True when the bare JID may upload here. */
  readonly mayUpload: (bare: string) => boolean;
  readonly now: () => number;
}

/** The path of a slot's file under the base URL (Prosody's shape: /file_share/<id>/<name>). */
export function slotPath(id: string, filename: string): string {
  return `/file_share/${id}/${encodeURIComponent(filename)}`;
}

function refuse(
  iq: Element,
  condition: StanzaErrorCondition,
  text: string,
  extra?: Element,
  type?: ErrorType,
): Element {
  const reply = errorReply(iq, condition, { text, ...(type === undefined ? {} : { type }) });
  if (extra !== undefined) reply.getChild("error")?.append(extra);
  return reply;
}

/** Why a file name cannot be used, or undefined: it becomes a path segment and a header value. */
function badFilename(name: string | undefined): string | undefined {
  if (name === undefined || name === "") return "A filename is required";
  if ([...name].length > 255) return "The filename is longer than 255 characters";
  if (/[/\\\p{Cc}]/u.test(name) || name === "." || name === "..")
    return "The filename must not contain slashes or control characters";
  return undefined;
}

export async function requestSlot(
  deps: SlotDeps,
  iq: Element,
  request: Element,
  from: string,
): Promise<Element> {
  const { options } = deps;
  if (!deps.mayUpload(from)) return refuse(iq, "not-allowed", "You may not upload files here");
  const filename = request.attrs.filename;
  const nameProblem = badFilename(filename);
  if (nameProblem !== undefined || filename === undefined)
    return refuse(iq, "not-acceptable", nameProblem ?? "A filename is required");
  const sizeText = request.attrs.size ?? "";
  if (!/^\d{1,15}$/.test(sizeText)) return refuse(iq, "not-acceptable", "The size must be a number of bytes");
  const size = Number(sizeText);
  const max = options.http_file_share_size_limit;
  if (size > max)
    return refuse(
      iq,
      "not-acceptable",
      `File too large: the largest is ${max} bytes`,
      el("file-too-large", { xmlns: NS_HTTP_UPLOAD }, el("max-file-size", {}, String(max))),
    );
  const contentType = request.attrs["content-type"] ?? "";
  if (contentType !== "" && !isContentType(contentType))
    return refuse(iq, "not-acceptable", "The content-type is not a valid media type");

  const now = deps.now();
  const id = newSlotId();
  const secret = newPutSecret();
  const verdict = await deps.store().createUploadSlot(
    {
      id,
      service: deps.domain,
      owner: from,
      filename,
      size,
      contentType,
      putHash: hashSecret(secret),
      created: now,
      expires: now + options.http_file_share_expires_after * 1000,
      uploaded: undefined,
    },
    { since: now - DAY_MS, bytes: options.http_file_share_daily_quota, slots: DAILY_SLOT_LIMIT },
  );
  if (!verdict.ok)
    return refuse(
      iq,
      "resource-constraint",
      "Daily upload quota reached",
      el("retry", { xmlns: NS_HTTP_UPLOAD, stamp: new Date(verdict.oldest + DAY_MS).toISOString() }),
      "wait",
    );
  const url = deps.baseUrl() + slotPath(id, filename);
  return iqResult(
    iq,
    el(
      "slot",
      { xmlns: NS_HTTP_UPLOAD },
      el("put", { url }, el("header", { name: "Authorization" }, `Bearer ${secret}`)),
      el("get", { url }),
    ),
  );
}
