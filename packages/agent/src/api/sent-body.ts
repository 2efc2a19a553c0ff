// The body as the client sent it. Validation fills in defaults and drops unknown fields in place,
// and lax-booleans.ts rewrites booleans, but pydantic's errors echo what was sent: the JSON text is
// kept (a reference, no copy) and parsed again only for a 422.

import type { FastifyRequest } from "fastify";

const sentTexts = new WeakMap<FastifyRequest, string>();

export function rememberSentBody(request: FastifyRequest, json: string): void {
  sentTexts.set(request, json);
}

/** The parsed body as sent; undefined when the request had no JSON body. */
export function sentBody(request: FastifyRequest): unknown {
  const text = sentTexts.get(request);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
