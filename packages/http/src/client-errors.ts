// Requests Node's HTTP parser refuses before any request exists (headers or URL over the limit,
// a malformed request line or header, a client too slow to send its headers) are answered here,
// in the server's own error format, instead of by Fastify's fixed `{"error","message","statusCode"}`.
import { maxHeaderSize, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyBaseLogger } from "fastify";
import { type ErrorFormatter, envelopeFormatter } from "./error-handler.ts";
import type { ErrorRegistry, HttpError } from "./errors.ts";

interface ClientError extends Error {
  code?: string;
  /** llhttp's own words ("Invalid method encountered"): fixed text, never the client's bytes. */
  reason?: string;
}

/** The registry error for what the parser refused. */
export function clientErrorToHttpError(error: ClientError, registry: ErrorRegistry<string>): HttpError {
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      return registry.error("HEADERS_TOO_LARGE", { limit_bytes: maxHeaderSize });
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return registry.error("CLIENT_TIMEOUT");
    default:
      return registry.error("BAD_REQUEST", {
        reason: error.reason ?? "the request is not valid HTTP/1.1",
        ...(error.code ? { parser_code: error.code } : {}),
      });
  }
}

/** The whole raw HTTP answer to write on the socket; the connection closes after it. */
export function clientErrorResponse(error: HttpError, format: ErrorFormatter = envelopeFormatter): string {
  const { status, body } = format(error);
  const text = JSON.stringify(body);
  const headers = {
    ...error.headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
    connection: "close",
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n${lines.join("\r\n")}\r\n\r\n${text}`;
}

/** Fastify's `clientErrorHandler`: answers, then closes the connection (the parser cannot go on). */
export function clientErrorHandler(
  registry: ErrorRegistry<string>,
  format: ErrorFormatter | undefined,
  log: FastifyBaseLogger,
): (error: ClientError, socket: Socket) => void {
  return (error, socket) => {
    // A reset connection has no one to answer.
    if (error.code === "ECONNRESET" || socket.destroyed) return;
    // A connection that sent nothing at all within the headers timeout is closed without a word: no
    // one asked anything, and a client that sends its request just as it closes reads no 408 as
    // the answer to it (it sees the connection close unanswered, which clients retry).
    if (error.code === "ERR_HTTP_REQUEST_TIMEOUT" && socket.bytesRead === 0) {
      socket.destroy();
      return;
    }
    const httpError = clientErrorToHttpError(error, registry);
    log.debug({ err: { code: error.code, message: error.message }, status: httpError.status }, "client error");
    // An answer already under way on this connection (a body that went wrong mid-way) must not be
    // interleaved with a second one: that connection is only cut.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    socket.end(clientErrorResponse(httpError, format), () => socket.destroy());
  };
}
