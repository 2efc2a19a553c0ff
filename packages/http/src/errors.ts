// One error registry per server: every error a server can answer with is declared once, with its
// HTTP status and default message, and thrown by code. The root handler turns it into the envelope.
import { boundedEcho } from "./echo.ts";

export interface ErrorDefinition {
  status: number;
  message: string;
}

export type ErrorDetails = Record<string, unknown>;

export class HttpError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: ErrorDetails | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: string, status: number, message: string, details?: ErrorDetails, headers?: Record<string, string>) {
    super(message);
    this.name = "HttpError";
    this.code = code;
    this.status = status;
    this.details = details;
    this.headers = headers;
  }
}

/** Codes every Pithead server shares; a server's own registry adds to these. */
export const baseErrors = {
  INVALID_JSON: { status: 400, message: "The request body is not valid JSON" },
  BAD_REQUEST: { status: 400, message: "The request is malformed" },
  VALIDATION_FAILED: { status: 422, message: "The request does not match the schema" },
  UNAUTHORIZED: { status: 401, message: "Missing or invalid credentials" },
  FORBIDDEN: { status: 403, message: "This key is not allowed to do that" },
  NOT_FOUND: { status: 404, message: "Not found" },
  METHOD_NOT_ALLOWED: { status: 405, message: "Method not allowed" },
  CLIENT_TIMEOUT: { status: 408, message: "The request did not arrive in time" },
  PAYLOAD_TOO_LARGE: { status: 413, message: "The request body is too large" },
  URI_TOO_LONG: { status: 414, message: "A path segment is too long" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "Unsupported Content-Type: send application/json" },
  UNSUPPORTED_CONTENT_ENCODING: {
    status: 415,
    message: "Unsupported Content-Encoding: send the body uncompressed (identity)",
  },
  RATE_LIMITED: { status: 429, message: "Too many requests" },
  HEADERS_TOO_LARGE: { status: 431, message: "The request's URL and headers are too large" },
  INTERNAL: { status: 500, message: "Internal error" },
  UNAVAILABLE: { status: 503, message: "Service unavailable" },
  DATABASE_UNAVAILABLE: { status: 503, message: "The server cannot reach its database right now; try again shortly" },
  STORAGE_FULL: { status: 507, message: "The server's disk is full: it cannot record anything until space is freed" },
} as const satisfies Record<string, ErrorDefinition>;

export type BaseErrorCode = keyof typeof baseErrors;

export interface ErrorRegistry<Code extends string> {
  readonly definitions: Readonly<Record<Code | BaseErrorCode, ErrorDefinition>>;
  /** Builds the error for `code`; throw it from a handler. */
  error(
    code: Code | BaseErrorCode,
    details?: ErrorDetails,
    message?: string,
    headers?: Record<string, string>,
  ): HttpError;
}

export function defineErrors<Code extends string>(own: Record<Code, ErrorDefinition>): ErrorRegistry<Code> {
  const definitions = { ...baseErrors, ...own } as Record<Code | BaseErrorCode, ErrorDefinition>;
  return {
    definitions,
    error(code, details, message, headers) {
      const definition = definitions[code];
      return new HttpError(code, definition.status, message ?? definition.message, details, headers);
    },
  };
}

/** The wire shape of every non-2xx answer: `{"error":{"code","message","details"}}`. */
export interface ErrorEnvelope {
  error: { code: string; message: string; details: ErrorDetails };
}

export function toEnvelope(error: HttpError): ErrorEnvelope {
  return {
    // Details may echo what the client sent (a validation error's `input`): bounded, see echo.ts.
    error: {
      code: error.code,
      message: error.message,
      // Always an object (the contract's shape), empty when there is nothing more to say.
      details: error.details ? (boundedEcho(error.details) as ErrorDetails) : {},
    },
  };
}
