// CORS as the reference configured it (any origin may call the API from a browser). The key is
// sent in a header, not a cookie, so allowing every origin exposes nothing a page could not
// already do with the key; credentials are not allowed. Preflights need no key: browsers never
// send custom headers with them.

import type { FastifyInstance } from "fastify";

const ALLOWED_HEADERS = "Content-Type, X-API-Key, X-Request-Id";
const EXPOSED_HEADERS =
  "X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, WWW-Authenticate";

export function installCors(app: FastifyInstance): void {
  app.addHook("onSend", async (_request, reply) => {
    void reply.header("access-control-allow-origin", "*");
    void reply.header("access-control-expose-headers", EXPOSED_HEADERS);
  });
  app.options("/*", { config: { public: true, rateLimit: false }, schema: { hide: true } }, async (_request, reply) =>
    reply
      .code(204)
      .header("access-control-allow-methods", "GET, POST, DELETE, OPTIONS")
      .header("access-control-allow-headers", ALLOWED_HEADERS)
      .header("access-control-max-age", "600")
      .send(),
  );
}
