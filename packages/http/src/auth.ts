import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AuthFailureLimiter } from "./auth-failures.ts";
import type { ErrorRegistry } from "./errors.ts";
import { hashSecret } from "./secrets.ts";

/** Who is calling: resolved from the credentials by the server that owns them. */
export interface Principal {
  /** Public id of the key (never the secret). */
  keyId: string;
  role: string;
  /** What the key belongs to: a client wallet, a miner id, an operator… */
  subject?: string;
}

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Route needs no credentials (health, docs, public keys). Everything else is authenticated. */
    public?: boolean;
    /** Roles allowed on this route; absent = any authenticated principal. */
    roles?: readonly string[];
    /** Route accepts a missing credential (the handler decides what to show). */
    optionalAuth?: boolean;
  }
}

export type ResolvePrincipal = (token: string, request: FastifyRequest) => Promise<Principal | undefined>;

export interface BearerAuthOptions {
  resolve: ResolvePrincipal;
  errors: ErrorRegistry<string>;
  /** Budget of failed authentications per client address (the server's rate limit sets it). */
  failures?: AuthFailureLimiter;
}

/** Extracts the token of `Authorization: Bearer <token>`; undefined when absent or another scheme. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== "string") return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Secure by default: every route needs a valid bearer key unless its config says `public: true`,
 * and `roles` narrows who may call it. Runs on onRequest, so a bad key is refused before the body
 * is read or validated; with `failures`, an address past its budget of failed authentications is
 * answered 429 before any lookup (see auth-failures.ts).
 */
export function installBearerAuth(app: FastifyInstance, options: BearerAuthOptions): void {
  const { errors, failures } = options;
  app.addHook("onRequest", async (request) => {
    const config = request.routeOptions.config;
    if (config.public || !request.routeOptions.url) return;
    const token = bearerToken(request);
    if (!token && config.optionalAuth) return;
    const digest = token && failures ? hashSecret(token) : undefined;
    if (failures) {
      const waitMs = failures.waitMs(request.ip, digest);
      if (waitMs > 0) {
        const retryAfterS = Math.ceil(waitMs / 1000);
        if (failures.firstRefusal(request.ip)) {
          request.log.warn(
            { ip: request.ip, limit: failures.max, retryAfterS },
            "too many failed authentications from this address: answering 429 until its window ends",
          );
        }
        throw errors.error(
          "RATE_LIMITED",
          { reason: "failed_authentications", limit: failures.max, retry_after_s: retryAfterS },
          `Too many failed authentications from this address (${failures.max} per ${Math.round(failures.windowMs / 1000)} s): retry in ${retryAfterS} s`,
          { "retry-after": String(retryAfterS) },
        );
      }
    }
    if (!token) {
      failures?.failed(request.ip, undefined);
      throw errors.error("UNAUTHORIZED", undefined, "Missing Authorization: Bearer <key> header", {
        "www-authenticate": "Bearer",
      });
    }
    const principal = await options.resolve(token, request);
    if (!principal) {
      failures?.failed(request.ip, digest);
      throw errors.error("UNAUTHORIZED", undefined, "Unknown or revoked API key", {
        "www-authenticate": 'Bearer error="invalid_token"',
      });
    }
    if (digest !== undefined) failures?.succeeded(digest);
    request.principal = principal;
    if (config.roles && !config.roles.includes(principal.role)) {
      throw errors.error(
        "FORBIDDEN",
        { role: principal.role, allowed: [...config.roles] },
        `${article(principal.role)} ${principal.role} key cannot call this route (needs ${config.roles.join(" or ")})`,
      );
    }
  });
}

/** "An admin key", "A client key": by the role's first letter (the roles are admin, client, miner). */
function article(word: string): string {
  return /^[aeiou]/i.test(word) ? "An" : "A";
}
