import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ErrorRegistry } from "./errors.ts";

export interface RateLimitOptions {
  /**
   * Requests allowed per window and key (principal, else client address). Failed authentications
   * (a bad or missing bearer key) get their own budget per client address: min(max, 60) per window
   * (auth-failures.ts).
   */
  max: number;
  timeWindowMs: number;
  /** Key for the bucket; default: the caller's key id when authenticated, else its address. */
  keyGenerator?: (request: FastifyRequest) => string;
}

export function rateLimitKey(request: FastifyRequest): string {
  return request.principal ? `key:${request.principal.keyId}` : `ip:${request.ip}`;
}

/**
 * Per-key rate limits answering `429` with `Retry-After` and the standard `x-ratelimit-*` headers.
 * Runs after authentication (preParsing) so the bucket is the caller's key, not a shared NAT address.
 * Routes can set their own `config.rateLimit` or opt out with `config.rateLimit: false`.
 */
export async function installRateLimit(
  app: FastifyInstance,
  options: RateLimitOptions,
  errors: ErrorRegistry<string>,
): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    hook: "preParsing",
    max: options.max,
    timeWindow: options.timeWindowMs,
    keyGenerator: options.keyGenerator ?? rateLimitKey,
    errorResponseBuilder: (_request, context) =>
      errors.error(
        "RATE_LIMITED",
        { limit: context.max, retry_after_s: Math.ceil(context.ttl / 1000) },
        `Rate limit exceeded: ${context.max} per ${context.after}`,
        { "retry-after": String(Math.ceil(context.ttl / 1000)) },
      ),
  });
}
