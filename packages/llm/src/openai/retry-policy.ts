// When to try an OpenAI-compatible server again. The SDK's own retries ignore a Retry-After over
// 60 s (it retried a "wait 120 s" three times within 1.35 s) and do not know the caller's deadline,
// so the provider retries itself, with the SDK's rules for what is retryable and its backoff, but a
// server's wait always honoured: if that wait would pass the deadline, the call gives up at once and
// the error says when to come back (details.retryAfterS).

import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";

/** Milliseconds the server asked to wait (`retry-after-ms`, `Retry-After` in seconds or as a date). */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(headers?.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The server's wait behind an error, if it gave one. */
export function retryAfterOf(error: unknown): number | undefined {
  return error instanceof APIError ? retryAfterMs(error.headers) : undefined;
}

/** Socket failures undici reports when a connection drops while the body is being read. */
const DROPPED_CODES = new Set(["UND_ERR_SOCKET", "UND_ERR_CLOSED", "ECONNRESET", "EPIPE"]);

/**
 * A connection dropped after the status line, while the body was read (fetch's "terminated"): the
 * SDK passes it on as it is, not as an APIConnectionError. Nothing of the answer was used, so it is
 * as safe to retry as a drop before the headers (the caller does not retry a stream that gave text).
 */
export function isDroppedMidBody(error: unknown): boolean {
  if (error instanceof APIError) return false;
  let current = (error as { cause?: unknown } | null)?.cause;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && DROPPED_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The SDK's rules: dropped connections (before the headers or during the body), 408, 409, 429 and
 * 5xx, unless `x-should-retry` says otherwise.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof APIUserAbortError || error instanceof APIConnectionTimeoutError) return false;
  if (error instanceof APIConnectionError || isDroppedMidBody(error)) return true;
  if (!(error instanceof APIError) || typeof error.status !== "number") return false;
  const says = error.headers?.get("x-should-retry");
  if (says === "true") return true;
  if (says === "false") return false;
  return error.status === 408 || error.status === 409 || error.status === 429 || error.status >= 500;
}

/** The SDK's backoff: 0.5 s doubling per retry up to 8 s, less up to a quarter of jitter. */
export function backoffMs(retriesDone: number, random = Math.random()): number {
  return Math.min(500 * 2 ** retriesDone, 8000) * (1 - random * 0.25);
}

export interface RetryState {
  retriesDone: number;
  maxRetries: number;
  /** Milliseconds before the caller's deadline. */
  timeLeftMs: number;
}

/** How long to wait before the next try, or undefined to give up with this error. */
export function nextRetryDelay(error: unknown, state: RetryState, random = Math.random()): number | undefined {
  if (state.retriesDone >= state.maxRetries || !isRetryable(error)) return undefined;
  const delay = retryAfterOf(error) ?? backoffMs(state.retriesDone, random);
  // A try that could only start after the deadline is no try: give up now and say when to retry.
  return delay < state.timeLeftMs ? delay : undefined;
}
