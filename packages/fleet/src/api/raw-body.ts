// Keeps the exact bytes of a JSON body: the signature covers the body's SHA-256, which must be
// computed over what the client sent, not over a re-serialisation of the parsed object. JSON is
// the only body the API takes: Fastify's own text/plain parser is removed, so a text/plain body
// is a 415 naming the content type like any other, not a signature mismatch (its bytes were never
// kept for the check).

import type { FastifyInstance } from "fastify";

declare module "fastify" {
  interface FastifyRequest {
    rawBody?: string;
  }
}

export function keepRawJsonBody(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.removeContentTypeParser("text/plain");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    request.rawBody = text;
    // An empty body with a JSON content type (curl -X POST -H 'content-type: application/json') is no body.
    if (text.trim() === "") {
      done(null, undefined);
      return;
    }
    parse(request, text, done);
  });
}
