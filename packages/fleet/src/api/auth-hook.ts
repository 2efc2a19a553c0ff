// Authentication for every non-public route: a signed request (docs/auth.md), or the seed's
// legacy bearer form when explicitly enabled, or nothing at all with AUTH_DISABLED=true (local
// development). Runs in preValidation: after the body is read (its hash is signed), before it is
// validated (an unauthenticated caller learns nothing about the schema).

import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { fleetAuthHeaders } from "../auth/sign.ts";
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

/** The seed's `Bearer <operatorId>:…`; any other bearer on GET /metrics is a scrape token. */
const legacyBearerShape = /^Bearer [A-Za-z0-9._-]{1,64}:/;

/**
 * A scrape token on GET /metrics that is not METRICS_TOKEN (or sent where none is set): say so,
 * rather than that the legacy bearer form is disabled, which it never was.
 */
function metricsTokenRefusal(
  request: FastifyRequest,
  token: string | null | undefined,
): { failure: AuthFailure; message: string } | undefined {
  if (request.method !== "GET" || request.routeOptions.url !== "/metrics") return undefined;
  if (request.headers[fleetAuthHeaders.signature] !== undefined) return undefined;
  const authorization = String(request.headers.authorization ?? "").trim();
  if (!authorization.startsWith("Bearer ") || legacyBearerShape.test(authorization)) return undefined;
  if (!token)
    return {
      failure: "AUTH_MISSING",
      message:
        "this controller has no METRICS_TOKEN, so /metrics takes no bearer token: set METRICS_TOKEN (at least 16 characters) or sign the request",
    };
  return {
    failure: "AUTH_BAD_SIGNATURE",
    message:
      "the bearer token is not this controller's METRICS_TOKEN (the site's Prometheus sends Authorization: Bearer <METRICS_TOKEN>; an operator signs the request instead)",
  };
}

/**
 * Node joins a header sent twice into "a, b", which would pass for one Idempotency-Key: the raw
 * header list tells them apart, so a repeated key reaches the verifier as the list it was.
 */
function headersWithRepeatedKey(request: FastifyRequest): FastifyRequest["headers"] {
  const name = fleetAuthHeaders.idempotencyKey;
  const raw = request.raw.rawHeaders;
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]?.toLowerCase() === name) values.push(raw[i + 1] as string);
  return values.length > 1 ? { ...request.headers, [name]: values } : request.headers;
}

/** The signature headers, each of which a signed request carries once. */
const signatureHeaders = [
  fleetAuthHeaders.operator,
  fleetAuthHeaders.timestamp,
  fleetAuthHeaders.nonce,
  fleetAuthHeaders.contentSha256,
  fleetAuthHeaders.signature,
];

/**
 * A signature header sent more than once, which Node joins into "a, b": it would be refused in
 * the words of a bad value ("no operator 'op-1, op-1'"), so it is named as repeated instead.
 */
function repeatedSignatureHeader(request: FastifyRequest): string | undefined {
  const raw = request.raw.rawHeaders;
  const copies = new Map<string, number>();
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]?.toLowerCase() ?? "";
    if ((signatureHeaders as string[]).includes(name)) copies.set(name, (copies.get(name) ?? 0) + 1);
  }
  for (const [name, count] of copies) if (count > 1) return `${name} was sent ${count} times: send it once`;
  return undefined;
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
    const wrongToken = metricsTokenRefusal(request, options.metricsToken);
    if (wrongToken)
      throw fleetErrors.error(wrongToken.failure, undefined, wrongToken.message, {
        "www-authenticate": "Pithead-HMAC-SHA256",
      });
    const repeated = repeatedSignatureHeader(request);
    if (repeated)
      throw fleetErrors.error("AUTH_MALFORMED", undefined, repeated, { "www-authenticate": "Pithead-HMAC-SHA256" });
    const result = verifier.verify({
      method: request.method,
      path: request.url,
      headers: headersWithRepeatedKey(request),
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
