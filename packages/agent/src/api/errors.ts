// The agent's error registry and how errors are written: FastAPI's shapes, since the network's
// orchestrator was written against the reference — `{"detail": "..."}`, validation errors as
// `{"detail": [{type, loc, msg, input}]}` (pydantic's types and messages), and slowapi's
// `{"error": "Rate limit exceeded: 20 per 1 minute"}` for 429.

import { boundedEcho, defineErrors, type ErrorFormatter, type FieldError, type HttpError } from "@pithead/http";

export const agentErrors = defineErrors({
  CONVERSATION_NOT_FOUND: { status: 404, message: "Conversation not found" },
  REQUEST_TIMEOUT: { status: 504, message: "Request timeout" },
  LLM_UPSTREAM: { status: 502, message: "The LLM server failed" },
  LLM_EMPTY_ANSWER: { status: 502, message: "The LLM returned an empty answer" },
  LLM_TIMEOUT: { status: 504, message: "The LLM server did not answer in time" },
  LLM_BUSY: { status: 503, message: "The LLM is busy" },
  SHUTTING_DOWN: { status: 503, message: "The agent is shutting down; retry shortly" },
  CONTEXT_OVERFLOW: { status: 422, message: "The request does not fit the model's context window" },
  SEARCH_FAILED: { status: 502, message: "The search backend failed" },
  SEARCH_TIMEOUT: { status: 504, message: "The search backend did not answer in time" },
});

export const TOO_LARGE_DETAIL = "Request too large. Maximum size: 10MB";

export interface FastApiError {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

// Ajv says "must NOT have more than 100 characters": the number after "than" is the limit.
const limitOf = (message: string) => Number(/than (\d+)/.exec(message)?.[1] ?? Number.NaN);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

const TYPE_ERRORS: Record<string, [string, string]> = {
  string: ["string_type", "Input should be a valid string"],
  boolean: ["bool_type", "Input should be a valid boolean"],
  array: ["list_type", "Input should be a valid list"],
  object: ["model_attributes_type", "Input should be a valid dictionary or object to extract fields from"],
  integer: ["int_type", "Input should be a valid integer"],
  number: ["float_type", "Input should be a valid number"],
};

/** One Ajv field error in pydantic v2's vocabulary. */
export function toFastApiError(error: FieldError): FastApiError {
  const loc = [
    error.location === "querystring" ? "query" : error.location === "params" ? "path" : error.location,
    ...error.path,
  ];
  const { input } = error;
  switch (error.keyword) {
    case "required":
      return { type: "missing", loc, msg: "Field required", input: input ?? null };
    case "type": {
      // A missing body is reported as a missing body, not as a body of the wrong type.
      if (error.path.length === 0 && input === undefined) {
        return { type: "missing", loc, msg: "Field required", input: null };
      }
      const expected = /must be (\w+)/.exec(error.message)?.[1] ?? "";
      // A string or number that lax-booleans.ts could not read: pydantic's "unable to interpret".
      if (expected === "boolean" && (typeof input === "string" || typeof input === "number")) {
        return { type: "bool_parsing", loc, msg: "Input should be a valid boolean, unable to interpret input", input };
      }
      const [type, msg] = TYPE_ERRORS[expected] ?? ["value_error", error.message];
      return { type, loc, msg, input };
    }
    case "maxLength": {
      const max = limitOf(error.message);
      return {
        type: "string_too_long",
        loc,
        msg: `String should have at most ${plural(max, "character")}`,
        input,
        ctx: { max_length: max },
      };
    }
    case "minLength": {
      const min = limitOf(error.message);
      return {
        type: "string_too_short",
        loc,
        msg: `String should have at least ${plural(min, "character")}`,
        input,
        ctx: { min_length: min },
      };
    }
    case "maxItems": {
      const max = limitOf(error.message);
      const actual = Array.isArray(input) ? input.length : 0;
      return {
        type: "too_long",
        loc,
        msg: `List should have at most ${plural(max, "item")} after validation, not ${actual}`,
        input,
        ctx: { field_type: "List", max_length: max, actual_length: actual },
      };
    }
    case "minItems": {
      const min = limitOf(error.message);
      const actual = Array.isArray(input) ? input.length : 0;
      return {
        type: "too_short",
        loc,
        msg: `List should have at least ${plural(min, "item")} after validation, not ${actual}`,
        input,
        ctx: { field_type: "List", min_length: min, actual_length: actual },
      };
    }
    case "pattern": {
      const field = error.path[error.path.length - 1] ?? "value";
      return { type: "value_error", loc, msg: `Value error, ${field} cannot be empty or whitespace only`, input };
    }
    default:
      return { type: "value_error", loc, msg: error.message, input };
  }
}

export const formatAgentError: ErrorFormatter = (error: HttpError) => {
  switch (error.code) {
    case "VALIDATION_FAILED": {
      const errors = (error.details?.errors as FieldError[] | undefined) ?? [];
      // The echoed input is bounded (a huge or deeply nested body must not make a huge error or a 500).
      const detail = errors.map(toFastApiError).map((one) => ({ ...one, input: boundedEcho(one.input) }));
      return { status: 422, body: { detail } };
    }
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
    case "CONTEXT_OVERFLOW":
      return {
        status: 422,
        body: { detail: [{ type: "value_error", loc: ["body", "input"], msg: error.message, input: null }] },
      };
    case "PAYLOAD_TOO_LARGE":
      return { status: 413, body: { detail: TOO_LARGE_DETAIL } };
    case "RATE_LIMITED":
      return { status: 429, body: { error: error.message } };
    case "NOT_FOUND":
      return { status: 404, body: { detail: "Not Found" } };
    case "INTERNAL":
      return { status: 500, body: { detail: "Internal server error" } };
    default:
      return { status: error.status, body: { detail: error.message } };
  }
};
