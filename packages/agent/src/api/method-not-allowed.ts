// A known path asked with a method it does not serve (GET /complete, PUT /conversations/x): FastAPI
// routes first, so the reference answers `405 {"detail":"Method Not Allowed"}` with an Allow header,
// before authentication and before reading the body. Fastify would answer 404 "Not Found", telling a
// client its URL is wrong when only the method is. Each route's missing methods get a stand-in
// route that refuses them on onRequest (public, unlimited, left out of the docs).
// Allow lists every method the path serves (HEAD comes with GET here), as RFC 9110 asks.

import type { FastifyInstance } from "fastify";
import { agentErrors } from "./errors.ts";

/** Preflights are answered for every path (cors.ts), so OPTIONS is never refused. */
const NEVER_REFUSED = new Set(["OPTIONS"]);

/** Routes registered by the shared kit before the agent's own (they are not seen by onRoute). */
const KIT_ROUTES = ["/health", "/metrics", "/openapi.json", "/docs"];

/**
 * Starts collecting the routes registered from now on; call the returned function once every
 * route is registered to add the refusals.
 */
export function collectRoutesForMethodNotAllowed(app: FastifyInstance): () => void {
  const urls = new Set<string>(KIT_ROUTES);
  app.addHook("onRoute", (route) => {
    // Wildcards (the CORS preflight's "/*") stand for no one path.
    if (!route.url.includes("*")) urls.add(route.url);
  });
  return () => {
    const methods = app.supportedMethods.filter((method) => !NEVER_REFUSED.has(method));
    for (const url of urls) {
      const served = methods.filter((method) => app.hasRoute({ url, method }));
      const refused = methods.filter((method) => !served.includes(method));
      if (served.length === 0 || refused.length === 0) continue;
      const allow = served.join(", ");
      app.route({
        method: refused,
        url,
        config: { public: true, rateLimit: false },
        schema: { hide: true },
        onRequest: async () => {
          throw agentErrors.error("METHOD_NOT_ALLOWED", undefined, "Method Not Allowed", { allow });
        },
        handler: async () => undefined,
      });
    }
  };
}
