// One error type for every LLM failure, with a stable code a server can map to a status
// (the agent answers 502 for UPSTREAM_* failures and 504 for timeouts, for instance).

export type LlmErrorCode =
  | "INVALID_CONFIG" // a provider setting is missing or out of range (details.field names it)
  | "INVALID_REQUEST" // a request field is wrong (details.field names it)
  | "MODEL_NOT_FOUND" // the GGUF file does not exist, or (check()) the server does not list the model (details.served)
  | "MODEL_CORRUPT" // not a GGUF file, truncated, or a GGUF llama.cpp cannot load
  | "MODEL_TOO_LARGE" // the model (or its context) does not fit in free RAM/VRAM
  | "GPU_UNAVAILABLE" // gpu: "cuda" was asked for and no CUDA build/device could be used
  | "CONTEXT_OVERFLOW" // the prompt does not fit in the context window
  | "QUEUE_FULL" // every sequence is busy and the wait queue is at its bound
  | "TIMEOUT" // a local generation ran past its deadline
  | "ABORTED" // the caller's AbortSignal fired before any output existed
  | "CLOSED" // the provider was closed
  | "UPSTREAM_UNREACHABLE" // the OpenAI-compatible server refused or dropped the connection
  | "UPSTREAM_TIMEOUT" // the OpenAI-compatible server did not answer in time
  | "UPSTREAM_HTTP" // the OpenAI-compatible server answered with an error status
  | "UPSTREAM_INVALID"; // it answered 200 with something that is not a completion (details.problem says what)

export interface LlmErrorDetails {
  field?: string;
  /** UPSTREAM_INVALID: what was wrong with the server's answer. */
  problem?: string;
  file?: string;
  url?: string;
  status?: number;
  [key: string]: unknown;
}

export class LlmError extends Error {
  readonly code: LlmErrorCode;
  readonly details: LlmErrorDetails;

  constructor(code: LlmErrorCode, message: string, details: LlmErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LlmError";
    this.code = code;
    this.details = details;
  }
}

export function isLlmError(error: unknown, code?: LlmErrorCode): error is LlmError {
  return error instanceof LlmError && (code === undefined || error.code === code);
}

/**
 * The HTTP status a server should answer for an LLM failure, so every Pithead server maps
 * them alike: upstream failures are 502, timeouts 504, a full queue 503, bad input 400.
 */
export function suggestedHttpStatus(code: LlmErrorCode): number {
  switch (code) {
    case "INVALID_REQUEST":
    case "CONTEXT_OVERFLOW":
      return 400;
    case "ABORTED":
      return 499;
    case "QUEUE_FULL":
    case "CLOSED":
      return 503;
    case "TIMEOUT":
    case "UPSTREAM_TIMEOUT":
      return 504;
    case "UPSTREAM_UNREACHABLE":
    case "UPSTREAM_HTTP":
    case "UPSTREAM_INVALID":
      return 502;
    default:
      return 500;
  }
}
