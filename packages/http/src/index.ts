export { bearerToken, installBearerAuth, type Principal, type ResolvePrincipal } from "./auth.ts";
export {
  type AuthFailureLimiter,
  createAuthFailureLimiter,
  FORWARDED_CLIENT_HEADER,
  PROXY_SECRET_HEADER,
} from "./auth-failures.ts";
export { boundedEcho } from "./echo.ts";
export { type ErrorFormatter, envelopeFormatter, toHttpError } from "./error-handler.ts";
export {
  type BaseErrorCode,
  baseErrors,
  defineErrors,
  type ErrorDefinition,
  type ErrorDetails,
  type ErrorEnvelope,
  type ErrorRegistry,
  HttpError,
  toEnvelope,
} from "./errors.ts";
export { isDatabaseUnavailable, isStorageFull } from "./infrastructure-errors.ts";
export { forbiddenKey, type JsonBodyParser, jsonBodyParser } from "./json-body.ts";
export { ListenPortError, type ListenSettings, listenPortFailure } from "./listen-port.ts";
export { LogThrottle, type LogThrottleOptions } from "./log-throttle.ts";
export { type RateLimitOptions, rateLimitKey } from "./rate-limit.ts";
export { apiKeyId, type GeneratedKey, generateApiKey, hashSecret, timingSafeEqualString } from "./secrets.ts";
export { createHttpServer, type HttpServer, type HttpServerOptions, redactedHeaders } from "./server.ts";
export { closeOnSignals } from "./shutdown.ts";
export { sourceCommit } from "./source-commit.ts";
export { StorageHealth } from "./storage-health.ts";
export { type FieldError, fieldErrors, lowercased, rejectUnknownFields } from "./validation.ts";
