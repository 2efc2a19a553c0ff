// GET /session says what this dashboard offers (which services, whether a login code is set);
// POST /session {code} trades the login code `pithead up` printed for the connection bundle.
//
// The code is compared in constant time and attempts are rate-limited per address. Only a JSON
// body is accepted and a cross-site request is refused: a form on another site cannot send JSON,
// and a cross-site fetch of JSON needs a CORS preflight this server never grants.

import type { HttpServer } from "@pithead/http";
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { ConnectionBundle } from "./connection-bundle.ts";
import { dashboardErrors } from "./errors.ts";
import { loginCodeMatches } from "./login-code.ts";
import type { ServiceName } from "./proxy.ts";

export interface SessionOptions {
  upstreams: Partial<Record<ServiceName, URL>>;
  login?: { code: string; bundle: ConnectionBundle };
  /** Attempts per minute and address (default 10). */
  attemptsPerMinute?: number;
}

/** Refuses a request another site's page made (Sec-Fetch-Site, else Origin against Host). */
export function assertSameOrigin(request: FastifyRequest): void {
  const site = request.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    throw dashboardErrors.error("CROSS_ORIGIN", { sec_fetch_site: site });
  }
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host === undefined || host !== request.headers.host) throw dashboardErrors.error("CROSS_ORIGIN", { origin });
}

function isJson(contentType: string | undefined): boolean {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() === "application/json";
}

export function registerSessionRoutes(app: HttpServer, options: SessionOptions): void {
  app.get("/session", { schema: { hide: true } }, async (_request, reply) => {
    void reply.header("cache-control", "no-store");
    const services = Object.fromEntries(
      (["coordinator", "fleet", "agent"] as const).map((name) => [
        name,
        options.upstreams[name]
          ? { url: options.upstreams[name].origin + options.upstreams[name].pathname.replace(/\/$/, "") }
          : null,
      ]),
    );
    return { loginCode: options.login !== undefined, services };
  });

  app.post(
    "/session",
    {
      config: { rateLimit: { max: options.attemptsPerMinute ?? 10, timeWindow: 60_000 } },
      schema: {
        hide: true,
        body: Type.Object({
          code: Type.String({ minLength: 1, maxLength: 64, description: "the login code `pithead up` printed" }),
        }),
      },
      preValidation: async (request) => {
        assertSameOrigin(request);
        if (!isJson(request.headers["content-type"])) {
          throw dashboardErrors.error("UNSUPPORTED_MEDIA_TYPE", {
            content_type: request.headers["content-type"] ?? null,
          });
        }
      },
    },
    async (request, reply) => {
      void reply.header("cache-control", "no-store");
      if (!options.login) throw dashboardErrors.error("NO_LOGIN_CODE");
      if (!loginCodeMatches(request.body.code, options.login.code)) throw dashboardErrors.error("LOGIN_CODE_WRONG");
      return options.login.bundle;
    },
  );
}
