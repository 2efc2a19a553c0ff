// The dashboard server: the built SPA, the login-code session, and every service reverse-proxied
// under one origin (/svc/coordinator, /svc/fleet, /svc/agent), so the browser needs no CORS and
// each service keeps its own auth.

import rateLimit from "@fastify/rate-limit";
import { createHttpServer, type HttpServer, type HttpServerOptions } from "@pithead/http";
import type { ConnectionBundle } from "./connection-bundle.ts";
import { dashboardErrors } from "./errors.ts";
import { registerServiceProxy, type ServiceName } from "./proxy.ts";
import { registerBaselineHeaders } from "./security-headers.ts";
import { registerSessionRoutes } from "./session-routes.ts";
import { registerStaticFiles } from "./static-files.ts";

export const DASHBOARD_VERSION = "0.1.0";

export interface DashboardServerOptions {
  /** The built SPA (see ensureDashboardBuilt). */
  distDir: string;
  /** Base URLs of the services to proxy; a service left out answers 404 SERVICE_NOT_CONFIGURED. */
  upstreams: Partial<Record<ServiceName, string | URL>>;
  /** `pithead up`: the code it printed and the keys it trades for. */
  login?: { code: string; bundle: ConnectionBundle };
  logger?: HttpServerOptions["logger"];
  connectTimeoutMs?: number;
  /** Shared with the services for one run: see ProxyOptions.proxySecret. */
  proxySecret?: string;
  /** Login attempts per minute and address (default 10). */
  loginAttemptsPerMinute?: number;
}

function parseUpstreams(upstreams: DashboardServerOptions["upstreams"]): Partial<Record<ServiceName, URL>> {
  const parsed: Partial<Record<ServiceName, URL>> = {};
  for (const [name, value] of Object.entries(upstreams) as [ServiceName, string | URL | undefined][]) {
    if (value === undefined) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`${name}: not a URL: ${JSON.stringify(String(value))}`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new Error(`${name}: must be an http(s) URL, got ${url.protocol}`);
    if (url.search || url.hash || url.username || url.password)
      throw new Error(`${name}: give the service's base URL only (no query, fragment or credentials)`);
    parsed[name] = url;
  }
  return parsed;
}

export async function createDashboardServer(options: DashboardServerOptions): Promise<HttpServer> {
  const upstreams = parseUpstreams(options.upstreams);
  const app = await createHttpServer({
    name: "pithead-dashboard",
    version: DASHBOARD_VERSION,
    errors: dashboardErrors,
    bodyLimit: 4 * 1024,
    logger: options.logger,
    metrics: false,
    health: () => ({
      services: Object.fromEntries(Object.entries(upstreams).map(([name, url]) => [name, url.origin])),
    }),
  });
  registerBaselineHeaders(app);
  // Only the routes that ask for a limit get one (the login); proxied calls meet the services' own.
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      dashboardErrors.error(
        "RATE_LIMITED",
        { limit: context.max, retry_after_s: Math.ceil(context.ttl / 1000) },
        `Too many login attempts: ${context.max} per minute. Wait ${Math.ceil(context.ttl / 1000)} s.`,
        { "retry-after": String(Math.ceil(context.ttl / 1000)) },
      ),
  });
  registerSessionRoutes(app, { upstreams, login: options.login, attemptsPerMinute: options.loginAttemptsPerMinute });
  await registerServiceProxy(app, {
    upstreams,
    connectTimeoutMs: options.connectTimeoutMs,
    proxySecret: options.proxySecret,
  });
  registerStaticFiles(app, options.distDir);
  return app;
}
