// CORS as the reference configured it (any origin may call the API from a browser). The key is
// sent in a header, not a cookie, so allowing every origin exposes nothing a page could not
// already do with the key; credentials are not allowed. Preflights need no key: browsers never
// send custom headers with them.
//
// OPTIONS itself is the kit's: a known path answers 204 with the Allow it serves, an unknown one
// 404. A 204 to OPTIONS gets the preflight headers here, its allowed methods being that Allow, so
// a preflight, a plain OPTIONS and a 405's Allow all name the same methods.

import type { FastifyInstance } from "fastify";

const ALLOWED_HEADERS = "Content-Type, X-API-Key, X-Request-Id";
const EXPOSED_HEADERS =
  "X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, WWW-Authenticate";

export function installCors(app: FastifyInstance): void {
  app.addHook("onSend", async (request, reply) => {
    void reply.header("access-control-allow-origin", "*");
    void reply.header("access-control-expose-headers", EXPOSED_HEADERS);
    if (request.method === "OPTIONS" && reply.statusCode === 204) {
      const allow = reply.getHeader("allow");
      if (allow !== undefined) void reply.header("access-control-allow-methods", String(allow));
      void reply.header("access-control-allow-headers", ALLOWED_HEADERS);
      void reply.header("access-control-max-age", "600");
    }
  });
}
