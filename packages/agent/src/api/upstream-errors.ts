// Failures of what a component depends on (the model, the search backend) → the agent's errors.

import { HttpError } from "@pithead/http";
import { InputTooLongError } from "../components/fit-history.ts";
import { EmptyAnswerError } from "../components/llm-call.ts";
import { classifyLlmError } from "../llm/llm-errors.ts";
import { SearchError } from "../search/search-backend.ts";
import { agentErrors } from "./errors.ts";

/** Undefined for errors that are bugs: the root handler logs those and answers a bare 500. */
export function toUpstreamError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof EmptyAnswerError) return agentErrors.error("LLM_EMPTY_ANSWER", undefined, error.message);
  if (error instanceof InputTooLongError) return agentErrors.error("CONTEXT_OVERFLOW", undefined, error.message);
  if (error instanceof SearchError) {
    return agentErrors.error(error.status === 504 ? "SEARCH_TIMEOUT" : "SEARCH_FAILED", undefined, error.detail);
  }
  const failure = classifyLlmError(error);
  if (!failure) return undefined;
  switch (failure.status) {
    case 502:
      return agentErrors.error("LLM_UPSTREAM", undefined, failure.detail);
    case 504:
      return agentErrors.error("LLM_TIMEOUT", undefined, failure.detail);
    case 503:
      return agentErrors.error(
        "LLM_BUSY",
        undefined,
        failure.detail,
        failure.retryAfterS === undefined ? undefined : { "retry-after": String(failure.retryAfterS) },
      );
    case 422:
      return agentErrors.error("CONTEXT_OVERFLOW", undefined, failure.detail);
    case 499:
      return agentErrors.error("CLIENT_GONE");
  }
}
