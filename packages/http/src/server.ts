import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import pino, { type DestinationStream } from "pino";
import { installBearerAuth, type ResolvePrincipal } from "./auth.ts";
import { createAuthFailureLimiter, FAILED_AUTH_MAX, forwardedClient, PROXY_SECRET_HEADER } from "./auth-failures.ts";
import { clientErrorHandler } from "./client-errors.ts";
import { defaultMaxConnections, installConnectionCap } from "./connection-cap.ts";
import { installContentEncodingCheck } from "./content-encoding.ts";
import { diskFreeBytes, installDiskSpaceGauge } from "./disk-space.ts";
import { type DocsOptions, installDocs } from "./docs.ts";
import {
  type ErrorFormatter,
  errorSender,
  installErrorHandling,
  MAX_PARAM_LENGTH,
  toHttpError,
} from "./error-handler.ts";
import type { ErrorRegistry } from "./errors.ts";
import { installJsonBodies } from "./json-body.ts";
import { requestForLog } from "./log-request.ts";
import { installMetrics } from "./metrics.ts";
import { openFileLimit } from "./open-file-limit.ts";
import { installRateLimit, type RateLimitOptions } from "./rate-limit.ts";
import { installClosingSignal } from "./shutdown.ts";
import { sourceCommit } from "./source-commit.ts";
import { installStorageHealth } from "./storage-health.ts";
import { validatorCompiler } from "./validation.ts";
import { installWellFormedStrings } from "./well-formed.ts";

export type HttpServer = FastifyInstance<
  Server,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface HttpServerOptions {
  /** Service name: the metrics prefix, the log name, the /health `service` field. */
  name: string;
  version: string;
  errors: ErrorRegistry<string>;
  /** How errors are written; default the Pithead envelope `{"error":{code,message,details}}`. */
  formatError?: ErrorFormatter;
  /** Largest accepted body in bytes (default 1 MiB); bigger is a 413 before it is buffered. */
  bodyLimit?: number;
  /**
   * Most milliseconds a client may take to send its whole request, headers and body (default
   * 120 000): past it the request is answered 408 CLIENT_TIMEOUT and the connection closed. Only the
   * receiving counts: a long-poll or a stream answered slowly is not cut.
   */
  requestTimeoutMs?: number;
  /**
   * Most milliseconds from connecting, or from the first byte of a later request on the connection,
   * until the request's headers are in (default 15 000, at most `requestTimeoutMs`). A connection
   * that sends nothing in that time is closed without an answer; one that began a request, 408.
   */
  headersTimeoutMs?: number;
  /** How long a connection may sit idle between two requests before it is closed (default 72 000). */
  keepAliveTimeoutMs?: number;
  /** Most connections open at once; past it new ones are closed unanswered (default: README). */
  maxConnections?: number;
  logger?: { level?: string; stream?: DestinationStream } | false;
  docs?: Omit<DocsOptions, "version">;
  /** Prometheus /metrics; `public: false` (default) needs a bearer key like any other route. */
  metrics?: { public?: boolean } | false;
  /** Extra fields for `GET /health` (always public). */
  health?: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Where the server keeps its data: /health and /metrics report the free space there. */
  dataDir?: string;
  /** Bearer-key authentication for every non-public route. */
  auth?: { resolve: ResolvePrincipal };
  rateLimit?: RateLimitOptions | false;
  trustProxy?: boolean;
  /**
   * The secret of the dashboard's proxy (`pithead up` makes one per run): a request that carries it
   * counts as coming from the browser address the proxy forwards (request.ip), for the budget of
   * failed authentications and the rate limit. Default: PITHEAD_PROXY_SECRET from the environment,
   * else none (every request is its socket's address, whatever it claims).
   */
  proxySecret?: string;
  /** Refuse JSON bodies with lone UTF-16 surrogates (servers that hash or sign what they are sent). */
  wellFormedStrings?: boolean;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;
/**
 * Longer than the 10 s a browser keeps a connection it opened ahead of need (a preconnect) unused,
 * so the browser gives it up first; short enough that sockets opened and left silent are shed within
 * about 19 s (under Node's 60 s, checked every 30 s, 20 000 of them held a process at its open-file
 * limit).
 */
const DEFAULT_HEADERS_TIMEOUT_MS = 15_000;
/**
 * Longer than the 60 s after which the proxies put in front of servers (nginx's upstream keepalive,
 * cloud load balancers) drop an idle connection themselves, so the proxy never sends a request on a
 * connection this server is closing. Sockets that a client leaves idle cost a request each, and
 * `maxConnections` bounds how many there can be.
 */
const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 72_000;

const requestIdPattern = /^[A-Za-z0-9._:-]{1,64}$/;

/** Header names whose values must never reach a log line. */
export const redactedHeaders = [
  "req.headers.authorization",
  'req.headers["x-api-key"]',
  'req.headers["x-pithead-signature"]',
  'req.headers["idempotency-key"]',
  `req.headers["${PROXY_SECRET_HEADER}"]`,
  "req.headers.cookie",
];

/**
 * A Fastify server with everything Pithead servers share: the error registry and envelope, strict
 * body validation, request ids (X-Request-Id), redacted pino logs, body limits, connection
 * timeouts and a connection cap, bearer auth, rate limits (failed authentications included),
 * OpenAPI at /docs, /health, /metrics and a `closing` signal for graceful shutdown. README.md says
 * what a client sees.
 */
export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const logger =
    options.logger === false
      ? pino({ level: "silent" })
      : pino(
          {
            name: options.name,
            level: options.logger?.level ?? "info",
            redact: redactedHeaders,
            serializers: { req: requestForLog },
          },
          options.logger?.stream ?? pino.destination(1),
        );
  const sendError = errorSender(options.formatError);
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  // Node refuses a headers timeout longer than the request timeout.
  const headersTimeoutMs = Math.min(options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS, requestTimeoutMs);
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Fastify's default (0) turns Node's limit off: a body that stops arriving half-way would hold
    // its request, and a slot of whatever limits it, for ever.
    requestTimeout: requestTimeoutMs,
    // Node's idle timeout between requests. Not Fastify's connectionTimeout (Node's server.timeout):
    // that one counts silence during a request too, and would cut a long-poll, a quiet event stream
    // or a slow LLM answer.
    keepAliveTimeout: options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    // Node looks for late requests on this interval (30 s by default): a quarter of the shorter
    // limit answers a late one within 1.25 times the limit.
    // Node's limits are given at construction as well: set only afterwards, Node did not apply them.
    // The headers timeout runs from the moment a connection opens, so it also closes sockets that
    // never send anything; once the headers are in, only the request timeout (receiving) applies.
    http: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: headersTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(headersTimeoutMs / 4))),
    },
    trustProxy: options.trustProxy ?? false,
    requestIdHeader: false,
    genReqId: (request) => {
      const incoming = request.headers["x-request-id"];
      return typeof incoming === "string" && requestIdPattern.test(incoming) ? incoming : randomUUID();
    },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // A path that is not valid percent-encoding, or a too long segment, is refused by the router
    // before any route: in the server's error format too, not Fastify's own.
    frameworkErrors: (error, request, reply) => sendError(toHttpError(error, request, options.errors), request, reply),
    // What Node's parser refuses (headers over the limit, a malformed request line) is answered
    // in the server's error format too, with Connection: close.
    clientErrorHandler: clientErrorHandler(options.errors, options.formatError, logger as FastifyBaseLogger),
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    // Our onRequest hook answers requests that arrive while closing (shutdown.ts), in the
    // server's error format rather than Fastify's fixed body.
    return503OnClosing: false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  installConnectionCap(app.server, options.maxConnections ?? defaultMaxConnections(openFileLimit()), app.log);
  app.setValidatorCompiler(validatorCompiler);
  installErrorHandling(app, options.errors, options.formatError);
  installJsonBodies(app, options.errors);
  installContentEncodingCheck(app, options.errors);
  installClosingSignal(app, options.errors);
  app.addHook("onSend", async (request, reply) => {
    void reply.header("x-request-id", request.id);
  });

  installForwardedClient(app, options.proxySecret ?? (process.env.PITHEAD_PROXY_SECRET || undefined));
  if (options.docs) await installDocs(app, { ...options.docs, version: options.version });
  if (options.auth) {
    // A rate-limited server also limits failed authentications, which its rate limit never sees
    // (they are refused before it counts).
    const failures = options.rateLimit
      ? createAuthFailureLimiter({
          max: Math.min(options.rateLimit.max, FAILED_AUTH_MAX),
          windowMs: options.rateLimit.timeWindowMs,
        })
      : undefined;
    installBearerAuth(app, { resolve: options.auth.resolve, errors: options.errors, failures });
  }
  if (options.rateLimit) await installRateLimit(app, options.rateLimit, options.errors);
  if (options.wellFormedStrings) installWellFormedStrings(app, options.errors);
  const metricsPrefix = options.name.replace(/[^a-zA-Z0-9_]/g, "_");
  if (options.metrics !== false) {
    installMetrics(app, { prefix: metricsPrefix, public: options.metrics?.public ?? false });
    if (options.dataDir) installDiskSpaceGauge(app, metricsPrefix, options.dataDir);
  }
  const dataDir = options.dataDir;

  const storage = installStorageHealth(app);
  const startedAt = Date.now();
  const commit = sourceCommit();
  app.get("/health", { config: { public: true, rateLimit: false }, schema: { hide: true } }, async () => {
    const fullSince = storage.fullSince;
    if (fullSince !== undefined) {
      throw options.errors.error(
        "STORAGE_FULL",
        {
          since: new Date(fullSince).toISOString(),
          ...(dataDir ? { disk_free_bytes: diskFreeBytes(dataDir) ?? null } : {}),
        },
        "The disk is full: writes have failed since the time given, until space is freed",
      );
    }
    return {
      status: "ok",
      service: options.name,
      version: options.version,
      ...(commit ? { commit } : {}),
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
      ...(dataDir ? { disk_free_bytes: diskFreeBytes(dataDir) ?? null } : {}),
      ...(options.health ? await options.health() : {}),
    };
  });
  return app;
}

/**
 * Before anything reads the request (auth, rate limits, handlers): the proxy's secret leaves the
 * headers whatever its value, and when it matches, request.ip becomes the browser's address the
 * proxy forwarded (see forwardedClient).
 */
function installForwardedClient(app: FastifyInstance, secret: string | undefined): void {
  app.addHook("onRequest", async (request) => {
    if (request.headers[PROXY_SECRET_HEADER] === undefined) return;
    const client = forwardedClient(request.headers, secret);
    delete request.headers[PROXY_SECRET_HEADER];
    if (client !== undefined) Object.defineProperty(request, "ip", { value: client });
  });
}
