// The security headers of everything the dashboard's origin answers. That origin's sessionStorage
// holds the admin key, the fleet secrets and the agent key, so: no page of it may be framed by
// another site, nothing is type-sniffed into a page, no URL leaks as a Referer, and a page that a
// service sends back through /svc/* runs in an origin of its own (CSP sandbox) unless it is the
// agent's console, which the dashboard frames and hands the agent key to by design.

import type { OutgoingHttpHeaders } from "node:http";
import type { HttpServer } from "@pithead/http";

/** The SPA's own pages: its scripts only, connections and frames (the agent's console) to its own origin only. */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
].join("; ");

/**
 * A service's answer, whatever its type says: shown as a document it gets an opaque origin, no
 * scripts, forms or popups, and no frame. CSP means nothing to fetch(), so JSON reads as before.
 */
export const SANDBOX_CSP = "sandbox; frame-ancestors 'none'";

/** The agent's console: framed by the dashboard's own pages only, whatever list the agent sends. */
export const CONSOLE_CSP = "frame-ancestors 'self'";

const BASELINE = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
} as const;

/** Every answer of the dashboard server itself (pages, assets, /session, /health, errors) gets the baseline. */
export function registerBaselineHeaders(app: HttpServer): void {
  app.addHook("onSend", async (_request, reply) => {
    void reply.headers(BASELINE);
  });
}

/**
 * The headers of a proxied answer: the service's own, with its CSP kept (a browser enforces every
 * policy it is sent, so adding one can only narrow them) and ours added, and the rest set to ours.
 */
export function proxiedAnswerHeaders(headers: OutgoingHttpHeaders, kind: "console" | "sandboxed"): OutgoingHttpHeaders {
  const own = headers["content-security-policy"];
  const kept: string[] = own === undefined ? [] : Array.isArray(own) ? own.map(String) : [String(own)];
  return {
    ...headers,
    ...BASELINE,
    "x-frame-options": kind === "console" ? "SAMEORIGIN" : "DENY",
    // Comma-separated policies are each enforced, as separate headers would be (CSP Level 3).
    "content-security-policy": [...kept, kind === "console" ? CONSOLE_CSP : SANDBOX_CSP].join(", "),
  };
}

/** A request the browser will show as a page (a tab or a frame), by its Fetch Metadata. */
export function isPageLoad(headers: { "sec-fetch-dest"?: string | string[]; "sec-fetch-mode"?: string | string[] }) {
  const dest = String(headers["sec-fetch-dest"] ?? "");
  return headers["sec-fetch-mode"] === "navigate" || ["document", "iframe", "frame", "embed", "object"].includes(dest);
}

/** A page loaded into a tab of its own (not a frame), by its Fetch Metadata. */
export function isTopLevelPage(headers: { "sec-fetch-dest"?: string | string[] }): boolean {
  return headers["sec-fetch-dest"] === "document";
}

/** A type a browser runs scripts in when it shows it: HTML, XHTML, SVG, XML. */
export function isActiveDocumentType(contentType: string | string[] | undefined): boolean {
  const type = String(contentType ?? "")
    .split(";")[0]
    ?.trim()
    .toLowerCase();
  return (
    type === "text/html" ||
    type === "application/xhtml+xml" ||
    type === "image/svg+xml" ||
    type === "text/xml" ||
    type === "application/xml"
  );
}
