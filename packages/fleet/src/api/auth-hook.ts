// Authentication for every non-public route: a signed request (docs/auth.md), or the seed's
// legacy bearer form when explicitly enabled, or nothing at all with AUTH_DISABLED=true (local
// development). Runs in preValidation: after the body is read (its hash is signed), before it is
// validated (an unauthenticated caller learns nothing about the schema).

import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { type AuthFailure, RequestVerifier } from "../auth/verify.ts";
import type { Clock } from "../clock.ts";
import { fleetErrors } from "./errors.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The operator whose credentials signed this request; null when auth is disabled. */
    operator?: { id: string; scheme: "hmac-v1" | "legacy-bearer" | "metrics-token" } | null;
  }
}

export interface AuthOptions {
  disabled: boolean;
  legacyBearer: boolean;
  maxSkewMs: number;
  secrets: ReadonlyMap<string, string>;
  clock: Clock;
  /** `Authorization: Bearer <token>` on GET /metrics: the site's Prometheus, every operator's series. */
  metricsToken?: string | null;
}

/** The site's scrape token, compared in constant time; only GET /metrics takes it. */
function isMetricsScrape(request: FastifyRequest, token: string | null | undefined): boolean {
  if (!token || request.method !== "GET" || request.routeOptions.url !== "/metrics") return false;
  const given = Buffer.from(String(request.headers.authorization ?? ""), "utf8");
  const expected = Buffer.from(`Bearer ${token}`, "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function installFleetAuth(app: FastifyInstance, options: AuthOptions): void {
  const verifier = new RequestVerifier({
    secrets: options.secrets,
    maxSkewMs: options.maxSkewMs,
    legacyBearer: options.legacyBearer,
    // Nonces live in memory: a change signed before this start could be a replay across the restart.
    startedAtMs: options.clock.now(),
  });
  app.addHook("preValidation", async (request: FastifyRequest) => {
    if (request.routeOptions.config.public || !request.routeOptions.url) return;
    if (options.disabled) {
      request.operator = null;
      return;
    }
    if (isMetricsScrape(request, options.metricsToken)) {
      request.operator = { id: "", scheme: "metrics-token" };
      return;
    }
    const result = verifier.verify({
      method: request.method,
      path: request.url,
      headers: request.headers,
      body: Buffer.from(request.rawBody ?? "", "utf8"),
      nowMs: options.clock.now(),
    });
    if (!result.ok)
      throw fleetErrors.error(result.failure satisfies AuthFailure, undefined, result.message, {
        "www-authenticate": "Pithead-HMAC-SHA256",
      });
    request.operator = { id: result.operatorId, scheme: result.scheme };
  });
}
