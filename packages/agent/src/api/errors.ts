// The agent's error registry and how errors are written: FastAPI's shapes, since the network's
// orchestrator was written against the reference — `{"detail": "..."}`, validation errors as
// `{"detail": [{type, loc, msg, input}]}` (pydantic's types and messages), and slowapi's
// `{"error": "Rate limit exceeded: 20 per 1 minute"}` for 429.

import { boundedEcho, defineErrors, type ErrorFormatter, type HttpError } from "@pithead/http";
import { sentBody } from "./sent-body.ts";
import { validationDetail } from "./validation-errors.ts";

export const agentErrors = defineErrors({
  CONVERSATION_NOT_FOUND: { status: 404, message: "Conversation not found" },
  REQUEST_TIMEOUT: { status: 504, message: "Request timeout" },
  LLM_UPSTREAM: { status: 502, message: "The LLM server failed" },
  LLM_EMPTY_ANSWER: { status: 502, message: "The LLM returned an empty answer" },
  LLM_TIMEOUT: { status: 504, message: "The LLM server did not answer in time" },
  LLM_BUSY: { status: 503, message: "The LLM is busy" },
  SHUTTING_DOWN: { status: 503, message: "The agent is shutting down; retry shortly" },
  // nginx's 499: no one reads it, but the access log says what happened.
  CLIENT_GONE: { status: 499, message: "The client closed the connection before the answer" },
  CONTEXT_OVERFLOW: { status: 422, message: "The request does not fit the model's context window" },
  SEARCH_FAILED: { status: 502, message: "The search backend failed" },
  SEARCH_TIMEOUT: { status: 504, message: "The search backend did not answer in time" },
});

export function timeoutDetail(timeoutMs: number): string {
  return `Request timeout after ${Number((timeoutMs / 1000).toFixed(3))} seconds`;
}

export const TOO_LARGE_DETAIL = "Request too large. Maximum size: 10MB";

/**
 * The agent's formatter. `requestTimeoutMs` (REQUEST_TIMEOUT) words the answer to a request whose
 * body stopped arriving (the kit's CLIENT_TIMEOUT): the reference's timeout middleware covered
 * reading the body too, so such a request gets its 504, not a 408.
 */
export function agentErrorFormatter(requestTimeoutMs: number): ErrorFormatter {
  return (error, request) =>
    error.code === "CLIENT_TIMEOUT"
      ? { status: 504, body: { detail: timeoutDetail(requestTimeoutMs) } }
      : formatAgentError(error, request);
}

export const formatAgentError: ErrorFormatter = (error: HttpError, request) => {
  switch (error.code) {
    case "VALIDATION_FAILED":
      return { status: 422, body: { detail: validationDetail(error, request) } };
    case "INVALID_JSON": {
      // FastAPI's loc holds Python's character position when there is one (fastapi-body.ts).
      const position = error.details?.position;
      return {
        status: 422,
        body: {
          detail: [
            {
              type: "json_invalid",
              loc: typeof position === "number" ? ["body", position] : ["body"],
              msg: "JSON decode error",
              input: {},
              ctx: { error: String(error.details?.reason ?? "invalid JSON") },
            },
          ],
        },
      };
    }
    case "CONTEXT_OVERFLOW": {
      // Like any pydantic error on ["body","input"], it echoes that field as sent (bounded).
      const sent = request ? sentBody(request) : undefined;
      const input =
        sent !== null && typeof sent === "object" && Object.hasOwn(sent, "input")
          ? (sent as { input: unknown }).input
          : null;
      return {
        status: 422,
        body: {
          detail: [{ type: "value_error", loc: ["body", "input"], msg: error.message, input: boundedEcho(input) }],
        },
      };
    }
    case "PAYLOAD_TOO_LARGE":
      return { status: 413, body: { detail: TOO_LARGE_DETAIL } };
    case "RATE_LIMITED":
      return { status: 429, body: { error: error.message } };
    case "NOT_FOUND":
      return { status: 404, body: { detail: "Not Found" } };
    // The kit's 405 for a known path asked with another method (its Allow header comes with it):
    // FastAPI routes before auth and body, and says only this.
    case "METHOD_NOT_ALLOWED":
      return { status: 405, body: { detail: "Method Not Allowed" } };
    case "INTERNAL":
      return { status: 500, body: { detail: "Internal server error" } };
    default:
      return { status: error.status, body: { detail: error.message } };
  }
};
