import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type ErrorRegistry, HttpError, toEnvelope } from "./errors.ts";
import { isDatabaseUnavailable, isStorageFull } from "./infrastructure-errors.ts";
import { LogThrottle } from "./log-throttle.ts";
import { allowedMethods } from "./method-not-allowed.ts";
import { fieldErrors } from "./validation.ts";

/**
 * Longest path parameter the router takes. Fastify's default (100) is shorter than a wallet address
 * may be (128): such an address could not be funded.
 */
export const MAX_PARAM_LENGTH = 256;

/**
 * How a server writes an HttpError on the wire; the default is the Pithead envelope. `request` is
 * absent for what Node's parser refuses before a request exists (client-errors.ts).
 */
export type ErrorFormatter = (error: HttpError, request?: FastifyRequest) => { status: number; body: unknown };

export const envelopeFormatter: ErrorFormatter = (error) => ({ status: error.status, body: toEnvelope(error) });

/** How often a run of requests answered 503 (database unreachable) or 507 (disk full) is logged again. */
export const DATABASE_UNAVAILABLE_LOG_EVERY_MS = 60_000;

/**
 * One server's log of requests answered for one fact about its surroundings (the database is
 * unreachable, the disk is full): while it lasts every request gets the same answer, and a line for
 * each would flood the log with one fact. The first is logged, then at most one line per `everyMs`,
 * which counts the ones left out since the line before.
 */
export class RefusalLog {
  readonly #throttle: LogThrottle;
  readonly #level: "warn" | "error";
  readonly #message: string;
  readonly #status: number;

  constructor(
    what: { level: "warn" | "error"; message: string; status: number },
    options: { everyMs?: number; now?: () => number } = {},
  ) {
    this.#level = what.level;
    this.#message = what.message;
    this.#status = what.status;
    this.#throttle = new LogThrottle({
      everyMs: options.everyMs ?? DATABASE_UNAVAILABLE_LOG_EVERY_MS,
      now: options.now,
    });
  }

  note(request: FastifyRequest, error: { message: string; code?: unknown }): void {
    const suppressed = this.#throttle.take();
    if (suppressed === undefined) return;
    request.log[this.#level](
      { err: { message: error.message, code: error.code }, ...(suppressed > 0 ? { suppressed } : {}) },
      suppressed > 0
        ? `${this.#message} (${suppressed} more requests answered ${this.#status} since the last line)`
        : this.#message,
    );
  }
}

/** A server's refusal logs: one per fact, shared by all its routes. */
export interface RefusalLogs {
  unavailable: RefusalLog;
  storageFull: RefusalLog;
}

export function refusalLogs(options: { everyMs?: number; now?: () => number } = {}): RefusalLogs {
  return {
    unavailable: new RefusalLog({ level: "warn", message: "database unavailable", status: 503 }, options),
    storageFull: new RefusalLog({ level: "error", message: "the disk is full", status: 507 }, options),
  };
}

/**
 * Maps whatever a route, a hook or Fastify itself threw onto the server's registry, so every error
 * leaves through one place: validation failures name the field, parser errors say what was wrong with
 * the body, and anything unexpected is a logged 500 with no internals on the wire.
 */
export function toHttpError(
  error: FastifyError | HttpError | Error,
  request: FastifyRequest,
  registry: ErrorRegistry<string>,
  logs?: RefusalLogs,
): HttpError {
  if (error instanceof HttpError) return error;
  const fastifyError = error as FastifyError & { validationContext?: string };
  if (fastifyError.validation) {
    const location = fastifyError.validationContext ?? "body";
    const source =
      location === "body"
        ? request.body
        : location === "querystring"
          ? request.query
          : location === "params"
            ? request.params
            : request.headers;
    const errors = fieldErrors(location, fastifyError.validation, source);
    const first = errors[0];
    return registry.error(
      "VALIDATION_FAILED",
      { field: first?.field, errors },
      first ? first.message : "The request does not match the schema",
    );
  }
  switch (fastifyError.code) {
    // The router's own refusals, before any route is found (see frameworkErrors in server.ts).
    case "FST_ERR_BAD_URL":
      return registry.error("BAD_REQUEST", { reason: "the path is not valid percent-encoding" });
    case "FST_ERR_MAX_PARAM_LENGTH":
      return registry.error("URI_TOO_LONG", { limit_chars: MAX_PARAM_LENGTH });
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return registry.error("PAYLOAD_TOO_LARGE", { limit_bytes: request.routeOptions.bodyLimit });
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return registry.error("UNSUPPORTED_MEDIA_TYPE", { content_type: request.headers["content-type"] ?? null });
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return registry.error("INVALID_JSON", { reason: "empty body with Content-Type application/json" });
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return registry.error("INVALID_JSON", { reason: error.message });
  }
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) {
    return registry.error("INVALID_JSON", { reason: error.message });
  }
  if (fastifyError.statusCode === 429) return registry.error("RATE_LIMITED");
  if (fastifyError.statusCode === 404) return registry.error("NOT_FOUND");
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return registry.error("BAD_REQUEST", { reason: error.message });
  }
  if (isStorageFull(error)) {
    if (logs) logs.storageFull.note(request, { message: error.message, code: fastifyError.code });
    else request.log.error({ err: { message: error.message, code: fastifyError.code } }, "the disk is full");
    return registry.error("STORAGE_FULL");
  }
  if (isDatabaseUnavailable(error)) {
    if (logs) logs.unavailable.note(request, { message: error.message, code: fastifyError.code });
    else request.log.warn({ err: { message: error.message, code: fastifyError.code } }, "database unavailable");
    return registry.error("DATABASE_UNAVAILABLE", undefined, undefined, { "retry-after": "5" });
  }
  request.log.error({ err: error }, "unhandled error");
  return registry.error("INTERNAL", { request_id: request.id });
}

/** Writes an HttpError with the server's formatter (the envelope unless a server has its own). */
export function errorSender(format: ErrorFormatter = envelopeFormatter) {
  return (error: HttpError, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body } = format(error, request);
    if (error.headers) void reply.headers(error.headers);
    return reply.code(status).type("application/json; charset=utf-8").send(body);
  };
}

export function installErrorHandling(
  app: FastifyInstance,
  registry: ErrorRegistry<string>,
  format: ErrorFormatter = envelopeFormatter,
): void {
  const send = errorSender(format);
  // One per server: its routes share it, whatever plugin context they were registered in.
  const logs = refusalLogs();
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) =>
    send(toHttpError(error, request, registry, logs), request, reply),
  );
  app.setNotFoundHandler((request, reply) => {
    const url = request.url.split("?")[0] ?? "";
    const served = allowedMethods(app, url);
    // Every served path answers OPTIONS with what it allows (RFC 9110 §9.3.7), so Allow names it too.
    const allowed = served.length === 0 || served.includes("OPTIONS") ? served : [...served, "OPTIONS"];
    if (request.method === "OPTIONS" && allowed.length > 0) {
      return reply.code(204).header("allow", allowed.join(", ")).send();
    }
    // A route's own callNotFound (an unknown file under a served path) stays a 404.
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      const allow = allowed.join(", ");
      return send(
        registry.error(
          "METHOD_NOT_ALLOWED",
          { method: request.method, url, allow: allowed },
          // The path as sent may be kilobytes long: the message shows its start (details hold it bounded).
          `${request.method} is not allowed on ${url.length > 200 ? `${url.slice(0, 200)}…` : url}: it answers ${allow}`,
          { allow },
        ),
        request,
        reply,
      );
    }
    return send(registry.error("NOT_FOUND", { method: request.method, url }), request, reply);
  });
}
