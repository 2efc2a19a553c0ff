// Provider failures → HTTP answers. The reference answered every failure with a 500 carrying the
// exception text; the orchestrator and operators are better served by 502 (the model server
// failed or is unreachable), 504 (it did not answer in time) and 503 (we, or it, are saturated:
// with Retry-After when known).
// What the caller (and the public /health) reads is generic: no host, port or URL of the model
// server and none of its words, which may carry internal names. The whole story (`log`, with the
// URL's userinfo and query already cut by @pithead/llm) goes to the log.

import { isLlmError } from "@pithead/llm";

export interface UpstreamFailure {
  status: 502 | 503 | 504 | 422 | 499;
  /** For the caller and /health: says what failed, never where or in the server's words. */
  detail: string;
  /** For the log: the provider's own message. */
  log: string;
  retryAfterS?: number;
}

/** Undefined for errors that are not provider failures (those are internal errors). */
export function classifyLlmError(error: unknown): UpstreamFailure | undefined {
  if (!isLlmError(error)) return undefined;
  const log = error.message;
  switch (error.code) {
    case "UPSTREAM_TIMEOUT":
    case "TIMEOUT":
      return { status: 504, detail: "LLM backend did not answer in time", log };
    case "UPSTREAM_UNREACHABLE":
      return { status: 502, detail: "LLM backend unreachable", log };
    case "UPSTREAM_HTTP": {
      const status =
        typeof error.details.status === "number" ? `HTTP ${error.details.status}` : "an error mid-response";
      // A rate limit, or a server that said when to come back, is a "busy" the caller can retry.
      const retryAfterS = typeof error.details.retryAfterS === "number" ? error.details.retryAfterS : undefined;
      if (error.details.status === 429 || retryAfterS !== undefined) {
        const after = retryAfterS === undefined ? "" : `; retry after ${retryAfterS} s`;
        return { status: 503, detail: `LLM backend busy: ${status}${after}`, log, retryAfterS };
      }
      return { status: 502, detail: `LLM backend failed: ${status}`, log };
    }
    case "UPSTREAM_INVALID":
      return { status: 502, detail: "LLM backend answered an invalid response", log };
    case "MODEL_NOT_FOUND":
      // Only a check meets it for an HTTP server (the model names are public in /health anyway).
      return { status: 502, detail: `LLM backend: ${error.message}`, log };
    case "QUEUE_FULL":
      return { status: 503, detail: `LLM busy: ${error.message}`, log, retryAfterS: 1 };
    case "CLOSED":
      return { status: 503, detail: "LLM provider is shutting down", log };
    case "ABORTED":
      // Only the request's own signal aborts a model call: its client went away (api/deadline.ts).
      return { status: 499, detail: "The client closed the connection before the answer", log };
    case "CONTEXT_OVERFLOW":
      return { status: 422, detail: `The request does not fit the model's context window: ${error.message}`, log };
    default:
      return undefined;
  }
}
