// XEP-0363 §3 with XEP-0030 §3.1 and XEP-0128: the upload service says what it is (identity
// store/file), what it does (urn:xmpp:http:upload:0) and its largest file (max-file-size).
import { el, type Element } from "../../xml/element.ts";
import { NS_DATA, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_HTTP_UPLOAD } from "../../ns.ts";
import { errorReply, iqResult } from "../../stanza/errors.ts";

export function discoInfo(iq: Element, query: Element, maxFileSize: number): Element {
  if (query.attrs.node !== undefined) return errorReply(iq, "item-not-found");
  return iqResult(
    iq,
    el(
      "query",
      { xmlns: NS_DISCO_INFO },
      el("identity", { category: "store", type: "file", name: "HTTP File Upload" }),
      el("feature", { var: NS_DISCO_INFO }),
      el("feature", { var: NS_DISCO_ITEMS }),
      el("feature", { var: NS_HTTP_UPLOAD }),
      el(
        "x",
        { xmlns: NS_DATA, type: "result" },
        el("field", { var: "FORM_TYPE", type: "hidden" }, el("value", {}, NS_HTTP_UPLOAD)),
        el("field", { var: "max-file-size" }, el("value", {}, String(maxFileSize))),
      ),
    ),
  );
}

export function discoItems(iq: Element): Element {
  return iqResult(iq, el("query", { xmlns: NS_DISCO_ITEMS }));
}
