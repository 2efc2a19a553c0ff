// The reference checked the size as a middleware, ahead of routing and of the key: a request whose
// Content-Length announces more than 10 MB was a 413 whatever its path and key. Fastify's own limit
// comes only once the body is about to be read, after the key, so a keyless caller was told 401
// for what the reference (and the spec) answer 413. A chunked body, which announces no length, is
// still measured as it arrives (bodyLimit), after the key.

import type { FastifyInstance } from "fastify";
import { agentErrors } from "./errors.ts";

export function installAnnouncedSizeLimit(app: FastifyInstance, maxBytes: number): void {
  app.addHook("onRequest", async (request) => {
    const announced = request.headers["content-length"];
    if (announced !== undefined && Number(announced) > maxBytes)
      throw agentErrors.error("PAYLOAD_TOO_LARGE", { limit_bytes: maxBytes });
  });
}
