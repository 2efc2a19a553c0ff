// Provider failures → HTTP answers. The reference answered every failure with a 500 carrying the
// exception text; the orchestrator and operators are better served by 502 (the model server
// failed or is unreachable), 504 (it did not answer in time) and 503 (we, or it, are saturated:
// with Retry-After when known).

import { isLlmError } from "@pithead/llm";

export interface UpstreamFailure {
  status: 502 | 503 | 504 | 422 | 499;
  detail: string;
  retryAfterS?: number;
}

/** Undefined for errors that are not provider failures (those are internal errors). */
export function classifyLlmError(error: unknown): UpstreamFailure | undefined {
  if (!isLlmError(error)) return undefined;
  switch (error.code) {
    case "UPSTREAM_TIMEOUT":
    case "TIMEOUT":
      return { status: 504, detail: `LLM did not answer in time: ${error.message}` };
    case "UPSTREAM_UNREACHABLE":
      return { status: 502, detail: `LLM server unreachable: ${error.message}` };
    case "UPSTREAM_HTTP": {
      // A rate limit, or a server that said when to come back, is a "busy" the caller can retry.
      const retryAfterS = typeof error.details.retryAfterS === "number" ? error.details.retryAfterS : undefined;
      if (error.details.status === 429 || retryAfterS !== undefined) {
        return { status: 503, detail: `LLM server busy: ${error.message}`, retryAfterS };
      }
      return { status: 502, detail: `LLM server error: ${error.message}` };
    }
    case "UPSTREAM_INVALID":
      return {
        status: 502,
        detail: `LLM server answered an invalid response: ${error.details.problem ?? error.message} (${error.details.url})`,
      };
    case "QUEUE_FULL":
      return { status: 503, detail: `LLM busy: ${error.message}`, retryAfterS: 1 };
    case "CLOSED":
      return { status: 503, detail: "LLM provider is shutting down" };
    case "ABORTED":
      // Only the request's own signal aborts a model call: its client went away (api/deadline.ts).
      return { status: 499, detail: "The client closed the connection before the answer" };
    case "CONTEXT_OVERFLOW":
      return { status: 422, detail: `The request does not fit the model's context window: ${error.message}` };
    default:
      return undefined;
  }
}
