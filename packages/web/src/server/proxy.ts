// The reverse proxy: /svc/<service>/<path> → <service url>/<path>, byte for byte. The request's
// path and query are forwarded exactly as received (a signed fleet request signs them), bodies and
// answers are streamed both ways (server-sent events arrive as they are sent), and the service's
// own auth headers pass through untouched. Cookies are dropped both ways: every app on localhost
// shares them, and no service here uses them.
// A page a service answers would run on the dashboard's origin, next to the keys the tab holds:
// only the agent's console (/svc/agent/ui, framed and handed the key by the Agent page) may, and
// only in that frame: opened in a tab of its own, it would hear no "Forget keys" from the other
// tabs and keep its key, so such a tab is sent to the Agent page, which frames it. Any
// other answer carries a sandboxing CSP (shown as a document, it gets an opaque origin), and a
// browser loading a service's HTML as a page (its OpenAPI UI) is told to open it at the service's
// own address, rather than shown a sandboxed page that cannot work.

import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from "node:http";
import { request as httpsRequest } from "node:https";
import { FORWARDED_CLIENT_HEADER, type HttpServer, PROXY_SECRET_HEADER } from "@pithead/http";
import type { FastifyReply, FastifyRequest } from "fastify";
import { keepReadingWhenBodyRefused } from "./early-answer.ts";
import { dashboardErrors } from "./errors.ts";
import { OutageLog } from "./outage-log.ts";
import { isActiveDocumentType, isPageLoad, isTopLevelPage, proxiedAnswerHeaders } from "./security-headers.ts";

export const SERVICE_NAMES = ["coordinator", "fleet", "agent"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ProxyOptions {
  upstreams: Partial<Record<ServiceName, URL>>;
  /**
   * The secret the services share with this proxy for one run (`pithead up`): sent with each
   * browser's address, so a service budgets failed authentications per browser, not per dashboard.
   * Without it (a dashboard in front of remote services) every request is the dashboard's address.
   */
  proxySecret?: string;
  /** Give up on a service that does not accept the connection within this time (default 10 s). */
  connectTimeoutMs?: number;
}

// RFC 9110 §7.6.1: meaningful for one connection only, never forwarded.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function connectionListed(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  const list = Array.isArray(value) ? value.join(",") : (value ?? "");
  return new Set(
    list
      .split(",")
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
}

/**
 * The headers to send upstream: the client's, less hop-by-hop, Host, cookies and anything claiming
 * to be this proxy's, plus X-Forwarded-* and, with `proxySecret`, the client's address with the
 * secret that makes a service believe it.
 */
export function forwardRequestHeaders(
  request: { headers: IncomingHttpHeaders; ip: string; protocol: string; id: string },
  prefix: string,
  proxySecret?: string,
): OutgoingHttpHeaders {
  const listed = connectionListed(request.headers);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
    if (name === "host" || name === "cookie" || name.startsWith("x-forwarded-")) continue;
    if (name === PROXY_SECRET_HEADER || name === FORWARDED_CLIENT_HEADER) continue;
    out[name] = value;
  }
  out["x-forwarded-for"] = request.ip;
  out["x-forwarded-proto"] = request.protocol;
  if (request.headers.host) out["x-forwarded-host"] = request.headers.host;
  out["x-forwarded-prefix"] = prefix;
  out["x-request-id"] = request.id;
  if (proxySecret) {
    out[PROXY_SECRET_HEADER] = proxySecret;
    out[FORWARDED_CLIENT_HEADER] = request.ip;
  }
  return out;
}

/** The headers to send back: the service's, less hop-by-hop and Set-Cookie. */
export function forwardResponseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = connectionListed(headers);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name) || name === "set-cookie") continue;
    out[name] = value;
  }
  return out;
}

/** The upstream path for a raw request URL under `/svc/<name>`, or undefined when it is not under it. */
export function upstreamPath(rawUrl: string, prefix: string, base: URL): string | undefined {
  if (rawUrl !== prefix && !rawUrl.startsWith(`${prefix}/`) && !rawUrl.startsWith(`${prefix}?`)) return undefined;
  let rest = rawUrl.slice(prefix.length);
  if (!rest.startsWith("/")) rest = `/${rest}`;
  return `${base.pathname.replace(/\/$/, "")}${rest}`;
}

/** The dashboard's Agent page: where the console is framed, and where a tab that opened it alone is sent. */
export const AGENT_PAGE = "/agent";

/** Whether a raw request URL under `prefix` asks for the agent's console page itself (its assets are not pages). */
export function isAgentConsole(name: ServiceName, rawUrl: string, prefix: string): boolean {
  return name === "agent" && rawUrl.slice(prefix.length).split("?")[0] === "/ui";
}

/** An error answer written by hand: the reply is hijacked, so Fastify's error handler is out of reach. */
function sendError(
  raw: ServerResponse,
  requestId: string,
  code: Parameters<typeof dashboardErrors.error>[0],
  message: string,
  details: Record<string, unknown>,
): void {
  const error = dashboardErrors.error(code, details, message);
  if (raw.headersSent) {
    raw.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code: error.code, message: error.message, details } });
  raw.writeHead(
    error.status,
    proxiedAnswerHeaders(
      {
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(body),
        "cache-control": "no-store",
        "x-request-id": requestId,
      },
      "sandboxed",
    ),
  );
  raw.end(body);
}

/** Each service by the name the dashboard gives it ("Fleet controller", "Agent API"), in a sentence. */
const labels: Record<ServiceName, string> = {
  coordinator: "the coordinator",
  fleet: "the fleet controller",
  agent: "the agent API",
};
const label = (name: ServiceName) => labels[name];
const upperFirst = (text: string) => `${text[0]?.toUpperCase() ?? ""}${text.slice(1)}`;

export async function registerServiceProxy(app: HttpServer, options: ProxyOptions): Promise<void> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const outages = new OutageLog<ServiceName>();

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const { service } = request.params as { service: string };
    if (!(SERVICE_NAMES as readonly string[]).includes(service)) {
      throw dashboardErrors.error("UNKNOWN_SERVICE", { service, known: [...SERVICE_NAMES] });
    }
    const name = service as ServiceName;
    const base = options.upstreams[name];
    if (!base) {
      throw dashboardErrors.error(
        "SERVICE_NOT_CONFIGURED",
        { service: name },
        `This dashboard was started without ${label(name)}: pass its URL (--${name} URL)`,
      );
    }
    const prefix = `/svc/${name}`;
    const path = upstreamPath(request.raw.url ?? "", prefix, base);
    // A percent-encoded service name decodes into the route's parameter but not into the raw URL.
    if (path === undefined) throw dashboardErrors.error("UNKNOWN_SERVICE", { service });

    const kind = isAgentConsole(name, request.raw.url ?? "", prefix) ? "console" : "sandboxed";
    // A browser without Fetch Metadata (none current) says neither, and is served the console as before.
    if (kind === "console" && isTopLevelPage(request.headers)) {
      return reply.code(303).header("location", AGENT_PAGE).header("cache-control", "no-store").send();
    }

    reply.hijack();
    const raw = reply.raw;
    const send = base.protocol === "https:" ? httpsRequest : httpRequest;
    const upstream = send({
      protocol: base.protocol,
      hostname: base.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: base.port || (base.protocol === "https:" ? 443 : 80),
      method: request.method,
      path,
      headers: { ...forwardRequestHeaders(request, prefix, options.proxySecret), host: base.host },
      // One connection per request: streams (SSE) hold theirs for long, and nothing is shared by accident.
      agent: false,
    });
    let connectTimer: NodeJS.Timeout | undefined;
    let answered = false;
    upstream.on("socket", (socket) => {
      socket.setNoDelay(true);
      keepReadingWhenBodyRefused(socket);
      if (!socket.connecting) return;
      connectTimer = setTimeout(() => {
        upstream.destroy(
          Object.assign(new Error(`no connection within ${connectTimeoutMs} ms`), { code: "ETIMEDOUT" }),
        );
      }, connectTimeoutMs);
      socket.once("connect", () => clearTimeout(connectTimer));
    });
    upstream.on("response", (answer) => {
      answered = true;
      outages.answered(name, request.log);
      if (kind === "sandboxed" && isPageLoad(request.headers) && isActiveDocumentType(answer.headers["content-type"])) {
        answer.destroy();
        const url = `${base.origin}${path}`;
        sendError(
          raw,
          request.id,
          "PAGE_NOT_PROXIED",
          `${upperFirst(label(name))}'s pages are not shown through the dashboard, whose origin holds this tab's keys: open ${url} at ${label(name)}'s own address`,
          { service: name, url },
        );
        return;
      }
      raw.writeHead(
        answer.statusCode ?? 502,
        answer.statusMessage,
        proxiedAnswerHeaders(forwardResponseHeaders(answer.headers), kind),
      );
      raw.flushHeaders();
      answer.pipe(raw);
      answer.on("error", () => raw.destroy());
      answer.on("aborted", () => raw.destroy());
      // An event stream never ends by itself: when this server closes, end it (the browser
      // reconnects elsewhere or shows it is offline) instead of waiting for the service to.
      if (String(answer.headers["content-type"] ?? "").startsWith("text/event-stream")) {
        const end = () => {
          answer.unpipe(raw);
          answer.destroy();
          raw.end();
        };
        if (app.closing.aborted) end();
        else {
          app.closing.addEventListener("abort", end, { once: true });
          raw.on("close", () => app.closing.removeEventListener("abort", end));
        }
      }
    });
    upstream.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      // After the answer began, its own stream reports a cut (and ends the browser's); a failure
      // sending the rest of a body the service already answered is no failure of the answer.
      if (answered) return;
      const timedOut = error.code === "ETIMEDOUT";
      outages.failed(name, request.log, { url: base.origin, code: error.code, message: error.message });
      sendError(
        raw,
        request.id,
        timedOut ? "UPSTREAM_TIMEOUT" : "UPSTREAM_UNAVAILABLE",
        `${upperFirst(label(name))} (${base.origin}) is not answering: ${error.code ?? error.message}`,
        { service: name, url: base.origin, reason: error.code ?? error.message },
      );
    });
    // The browser went away (a closed tab, an aborted fetch, an EventSource closed): stop the upstream too.
    raw.on("close", () => {
      clearTimeout(connectTimer);
      if (!raw.writableFinished) upstream.destroy();
    });
    request.raw.pipe(upstream);
  };

  await app.register(async (scope) => {
    // Bodies are streamed to the service unread: it validates them, and its own limits apply.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, payload, done) => done(null, payload));
    scope.all("/svc/:service", { schema: { hide: true } }, handler);
    scope.all("/svc/:service/*", { schema: { hide: true } }, handler);
  });
}
