import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ErrorRegistry } from "./errors.ts";

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
 * is read or validated.
 */
export function installBearerAuth(app: FastifyInstance, options: BearerAuthOptions): void {
  app.addHook("onRequest", async (request) => {
    const config = request.routeOptions.config;
    if (config.public || !request.routeOptions.url) return;
    const token = bearerToken(request);
    if (!token) {
      if (config.optionalAuth) return;
      throw options.errors.error("UNAUTHORIZED", undefined, "Missing Authorization: Bearer <key> header", {
        "www-authenticate": "Bearer",
      });
    }
    const principal = await options.resolve(token, request);
    if (!principal) {
      throw options.errors.error("UNAUTHORIZED", undefined, "Unknown or revoked API key", {
        "www-authenticate": 'Bearer error="invalid_token"',
      });
    }
    request.principal = principal;
    if (config.roles && !config.roles.includes(principal.role)) {
      throw options.errors.error(
        "FORBIDDEN",
        { role: principal.role, allowed: [...config.roles] },
        `A ${principal.role} key cannot call this route (needs ${config.roles.join(" or ")})`,
      );
    }
  });
}
