// Failed authentications per client address. A request with a bad or missing key is refused on
// onRequest, before the rate limit counts it, and each one costs a hash and a key lookup: without
// this budget a client could make any number of them. Past the budget an address is answered 429
// without a lookup until its window ends, except for keys that authenticated recently (from any
// address): they are still looked up (a revocation still counts), so a bad client behind a shared
// NAT address does not lock out the valid keys already in use there. Behind the dashboard's proxy,
// the address is the browser's, which the proxy forwards with a secret (forwardedClient below).

import { isIP } from "node:net";
import { timingSafeEqualString } from "./secrets.ts";

/** The most failed authentications an address gets per window, whatever the rate limit allows. */
export const FAILED_AUTH_MAX = 60;

/** Addresses and recently valid keys remembered at most (memory stays bounded under a flood). */
const CAPACITY = 50_000;

export interface AuthFailureLimiter {
  readonly max: number;
  readonly windowMs: number;
  /**
   * Milliseconds `address` must wait before its credentials are looked up again; 0 while it is
   * within budget, or when `digest` (the SHA-256 of the key sent) authenticated recently.
   */
  waitMs(address: string, digest: string | undefined): number;
  /** Counts a missing or refused key against `address` (and forgets `digest` as a valid key). */
  failed(address: string, digest: string | undefined): void;
  /** Remembers the key with this digest as valid. */
  succeeded(digest: string): void;
  /**
   * True the first time in its window that `address` is refused for being past its budget: a flood
   * is logged once per window, not once per request.
   */
  firstRefusal(address: string): boolean;
}

export interface AuthFailureLimiterOptions {
  max: number;
  windowMs: number;
  now?: () => number;
}

export function createAuthFailureLimiter(options: AuthFailureLimiterOptions): AuthFailureLimiter {
  const { max, windowMs } = options;
  const now = options.now ?? Date.now;
  // Every window has the same length, so insertion order is expiry order: the expired ones are
  // always at the front, and pruning stops at the first live one.
  const windows = new Map<string, { count: number; resetAt: number; refused: boolean }>();
  // Insertion order is recency: the oldest is dropped first.
  const valid = new Set<string>();

  const prune = (at: number) => {
    for (const [address, window] of windows) {
      if (window.resetAt > at) break;
      windows.delete(address);
    }
  };

  return {
    max,
    windowMs,
    waitMs(address, digest) {
      if (digest !== undefined && valid.has(digest)) return 0;
      const at = now();
      const window = windows.get(address);
      if (!window || window.resetAt <= at || window.count < max) return 0;
      return window.resetAt - at;
    },
    failed(address, digest) {
      if (digest !== undefined) valid.delete(digest);
      const at = now();
      prune(at);
      let window = windows.get(address);
      if (!window) {
        window = { count: 0, resetAt: at + windowMs, refused: false };
        windows.set(address, window);
        if (windows.size > CAPACITY) windows.delete(windows.keys().next().value as string);
      }
      window.count += 1;
    },
    succeeded(digest) {
      valid.delete(digest);
      valid.add(digest);
      if (valid.size > CAPACITY) valid.delete(valid.values().next().value as string);
    },
    firstRefusal(address) {
      const window = windows.get(address);
      if (!window || window.refused) return false;
      window.refused = true;
      return true;
    },
  };
}

/**
 * The header a trusted proxy (the dashboard that `pithead up` starts) proves itself with: a secret
 * shared for one run. Compared in constant time, removed from the request before anything else
 * reads it, and never logged.
 */
export const PROXY_SECRET_HEADER = "x-pithead-proxy-secret";
/** The address of the proxy's own client (a browser), believed only beside the proxy's secret. */
export const FORWARDED_CLIENT_HEADER = "x-pithead-client-address";

/**
 * The client address a request proves through the proxy, or undefined. Every request a dashboard
 * forwards comes from the dashboard's address, so without this one person's bad key would spend
 * the failed-authentication budget of everyone behind it; X-Forwarded-For alone is no proof, as any
 * local process could send it. Undefined unless `secret` is set, the request carries it exactly,
 * and the forwarded address is an IP address.
 */
export function forwardedClient(
  headers: Record<string, string | string[] | undefined>,
  secret: string | undefined,
): string | undefined {
  const sent = headers[PROXY_SECRET_HEADER];
  if (!secret || typeof sent !== "string" || !timingSafeEqualString(sent, secret)) return undefined;
  const address = headers[FORWARDED_CLIENT_HEADER];
  return typeof address === "string" && isIP(address) !== 0 ? address : undefined;
}
