// Maps what the `openai` SDK (and fetch under it) throws to LlmError codes an operator can act
// on, naming the server. The API key never appears: the SDK's errors do not carry it.

import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import { LlmError } from "../errors.ts";
import { InvalidResponse } from "./response-shape.ts";
import { retryAfterOf } from "./retry-policy.ts";

export type StopCause = "abort" | "timeout" | undefined;

/** The most specific reason in the cause chain: a system error code (ECONNREFUSED) or the deepest message. */
function causeText(error: unknown): string {
  let deepest = error instanceof Error ? error.message : String(error);
  let current = (error as { cause?: unknown }).cause;
  for (let depth = 0; current && depth < 5; depth++) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === "string") return code;
    if (typeof message === "string" && message) deepest = message;
    current = cause;
  }
  return deepest;
}

/** Shortens an upstream error body to one readable line. */
function upstreamMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  const text = typeof body?.message === "string" ? body.message : error.message;
  return text.replace(/\s+/g, " ").slice(0, 300);
}

/**
 * A 404 that does not speak of a model (vLLM's unknown model is a 404 that does) most often means
 * the base URL lacks the API's prefix: `http://host:8000` for `http://host:8000/v1`.
 */
function notFoundHint(error: APIError, baseUrl: string): string {
  if (error.status !== 404 || /model/i.test(upstreamMessage(error))) return "";
  return `; is ${baseUrl} the base URL of its OpenAI-compatible API (most servers serve it under /v1, e.g. http://127.0.0.1:8000/v1)?`;
}

export function toUpstreamError(error: unknown, baseUrl: string, stopped: StopCause, timeoutMs: number): LlmError {
  if (error instanceof LlmError) return error;
  if (stopped === "timeout" || error instanceof APIConnectionTimeoutError) {
    return new LlmError(
      "UPSTREAM_TIMEOUT",
      `${baseUrl} did not answer within ${timeoutMs} ms`,
      { url: baseUrl, timeoutMs },
      { cause: error },
    );
  }
  if (stopped === "abort" || error instanceof APIUserAbortError) {
    return new LlmError("ABORTED", `the request to ${baseUrl} was aborted`, { url: baseUrl }, { cause: error });
  }
  if (error instanceof APIConnectionError) {
    return new LlmError(
      "UPSTREAM_UNREACHABLE",
      `cannot reach ${baseUrl} (${causeText(error)})`,
      { url: baseUrl },
      { cause: error },
    );
  }
  // A body that does not parse (the SDK's JSON.parse, a malformed server-sent event) or that holds
  // no completion: the server is reachable but broken, which is not a network failure.
  if (error instanceof InvalidResponse || error instanceof SyntaxError) {
    const problem =
      error.name === "InvalidResponse" ? error.message : `a body that is not valid JSON (${error.message})`;
    return new LlmError(
      "UPSTREAM_INVALID",
      `${baseUrl} answered an invalid response: ${problem}`,
      { url: baseUrl, problem },
      { cause: error },
    );
  }
  if (error instanceof APIError && typeof error.status === "number") {
    // A server that said how long to wait (a rate limit, a model loading) is told to the caller.
    const waitMs = retryAfterOf(error);
    const retryAfterS = waitMs === undefined || waitMs <= 0 ? undefined : Math.ceil(waitMs / 1000);
    return new LlmError(
      "UPSTREAM_HTTP",
      `${baseUrl} answered HTTP ${error.status}: ${upstreamMessage(error)}${retryAfterS === undefined ? "" : `; it asks to retry after ${retryAfterS} s`}${notFoundHint(error, baseUrl)}`,
      { url: baseUrl, status: error.status, ...(retryAfterS === undefined ? {} : { retryAfterS }) },
      { cause: error },
    );
  }
  // An error event in the middle of a stream (the SDK raises it without a status).
  if (error instanceof APIError) {
    return new LlmError(
      "UPSTREAM_HTTP",
      `${baseUrl} reported an error mid-response: ${upstreamMessage(error)}`,
      { url: baseUrl },
      { cause: error },
    );
  }
  // A connection dropped after the response started.
  return new LlmError(
    "UPSTREAM_UNREACHABLE",
    `the connection to ${baseUrl} failed mid-response (${causeText(error)})`,
    { url: baseUrl },
    { cause: error },
  );
}
