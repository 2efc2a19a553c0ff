// Per-endpoint rate limits (the reference's slowapi limits, configurable), counted per API key and
// client address, with the standard x-ratelimit-* and retry-after headers. They run on preParsing:
// after authentication (so strangers cannot spend a miner's budget) and before the body is parsed.

import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { RateLimitGroup } from "../config/load-config.ts";
import { agentErrors } from "./errors.ts";

export const RATE_WINDOW_MS = 60_000;

function bucket(request: FastifyRequest): string {
  return `${request.apiKeyId ?? "anonymous"}|${request.ip}`;
}

export async function installRateLimits(app: FastifyInstance): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    hook: "preParsing",
    timeWindow: RATE_WINDOW_MS,
    keyGenerator: bucket,
    errorResponseBuilder: (_request, context) =>
      agentErrors.error("RATE_LIMITED", undefined, `Rate limit exceeded: ${context.max} per 1 minute`),
  });
}

/** The route config for a group's limit; 0 in the configuration turns it off. */
export function routeRateLimit(limits: Record<RateLimitGroup, number>, group: RateLimitGroup) {
  const max = limits[group];
  return max > 0 ? { max, timeWindow: RATE_WINDOW_MS } : false;
}
