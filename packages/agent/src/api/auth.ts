// X-API-Key authentication, checked on onRequest: before the body is read, parsed or validated.
// Both sides are hashed to a fixed length first, so the comparison is constant-time and says
// nothing about the key's length either. The answers are the reference's, word for word.
//
// Wrong keys are limited per client address (RATE_LIMIT_AUTH_FAILURES a minute): past the budget
// they answer slowapi's 429 with Retry-After instead of 403, and are logged once per window instead
// of once each. The right key is still let in from that address: blocking it would let anyone who
// shares the orchestrator's address (NAT, a proxy without TRUST_PROXY) or forges it (X-Forwarded-For
// under TRUST_PROXY) cut the miner off, while a key of 16 or more random characters cannot be
// guessed at any rate the network carries.

import { createHash, timingSafeEqual } from "node:crypto";
import { createAuthFailureLimiter } from "@pithead/http";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { agentErrors } from "./errors.ts";
import { RATE_WINDOW_MS } from "./rate-limits.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** A short, non-reversible id of the caller's valid key (for rate-limit buckets). */
    apiKeyId?: string;
  }
}

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

export const MISSING_KEY_DETAIL = "Missing API key. Please provide X-API-Key header.";
export const INVALID_KEY_DETAIL = "Invalid API key";

export function repeatedKeyDetail(copies: number): string {
  return `Repeated API key: X-API-Key was sent ${copies} times. Please provide it once.`;
}

/**
 * How many X-API-Key headers the request carries. Node joins repeats into one value ("K, K"),
 * which would be judged a wrong key (a 403 for the right key sent twice); and which copy counts is
 * what a proxy and this server could disagree on. So a repeated header is refused as such.
 */
function keyHeaderCount(request: FastifyRequest): number {
  const raw = request.raw.rawHeaders;
  let copies = 0;
  for (let at = 0; at < raw.length; at += 2) if (raw[at]?.toLowerCase() === "x-api-key") copies++;
  return copies;
}

export function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers["x-api-key"];
  const value = Array.isArray(header) ? header[0] : header;
  return value === undefined || value === "" ? undefined : value;
}

export interface ApiKeyAuthOptions {
  /** Wrong keys per minute and client address answered 403; the rest get 429. 0: no limit. */
  failureLimit: number;
}

export function installApiKeyAuth(app: FastifyInstance, apiKey: string, options: ApiKeyAuthOptions): void {
  // The reference answered every call with a 500 when no key was set; this server does not start.
  if (apiKey.trim() === "") throw new Error("API_KEY is empty: the agent refuses to start without a key");
  const expected = digest(apiKey);
  const keyId = expected.subarray(0, 6).toString("hex");
  const { failureLimit } = options;
  // The kit's budget (shared with the coordinator and fleet), here counting wrong keys only: a
  // missing key is no guess, and the one valid key is let in before the budget is consulted.
  const failures = failureLimit > 0 ? createAuthFailureLimiter({ max: failureLimit, windowMs: RATE_WINDOW_MS }) : null;
  app.addHook("onRequest", async (request) => {
    const config = request.routeOptions.config;
    // Unknown routes answer 404 without auth, as FastAPI does; public routes need no key.
    if (!request.routeOptions.url || config.public) return;
    // A repeated header is no key: none of its copies is compared, so its answer says nothing of them.
    const copies = keyHeaderCount(request);
    const key = copies > 1 ? undefined : presentedKey(request);
    const valid = key !== undefined && timingSafeEqual(digest(key), expected);
    if (valid) {
      request.apiKeyId = keyId;
      return;
    }
    // /capabilities answers with or without a (valid) key, like the reference's optional_api_key.
    if (config.optionalAuth) return;
    if (copies > 1) {
      throw agentErrors.error("UNAUTHORIZED", undefined, repeatedKeyDetail(copies), { "www-authenticate": "ApiKey" });
    }
    if (key === undefined) {
      throw agentErrors.error("UNAUTHORIZED", undefined, MISSING_KEY_DETAIL, { "www-authenticate": "ApiKey" });
    }
    if (failures) {
      const waitMs = failures.waitMs(request.ip, undefined);
      if (waitMs > 0) {
        const resetS = Math.max(1, Math.ceil(waitMs / 1000));
        if (failures.firstRefusal(request.ip)) {
          request.log.warn(
            { ip: request.ip, limit: failureLimit, retryAfterS: resetS },
            "too many invalid API keys from this address: answering 429 until its window ends",
          );
        }
        throw agentErrors.error("RATE_LIMITED", undefined, `Rate limit exceeded: ${failureLimit} per 1 minute`, {
          "retry-after": String(resetS),
          "x-ratelimit-limit": String(failureLimit),
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String(resetS),
        });
      }
      failures.failed(request.ip, undefined);
    }
    // Logged without the key (the reference logged its first characters) for intrusion monitoring.
    request.log.warn({ ip: request.ip, url: request.url }, "rejected request: invalid API key");
    throw agentErrors.error("FORBIDDEN", undefined, INVALID_KEY_DETAIL);
  });
}
