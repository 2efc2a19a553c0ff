// The HTTP side of Idempotency-Key: validate the header and fingerprint the request.
import { createHash } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { canonicalJson } from "../core/canonical.ts";
import { errors } from "../errors.ts";
import type { IdempotencyScope } from "../ops/idempotent.ts";

export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers["idempotency-key"];
  if (header === undefined) return undefined;
  if (typeof header !== "string" || !/^[\x21-\x7e]{1,255}$/.test(header)) {
    throw errors.error("BAD_IDEMPOTENCY_KEY", { header: "Idempotency-Key" });
  }
  return header;
}

/** SHA-256 over the method, the path and the canonical body: "the same request". */
export function requestHash(request: FastifyRequest): string {
  const path = request.url.split("?")[0] ?? request.url;
  const body = request.body === undefined ? null : request.body;
  let text: string;
  try {
    text = canonicalJson(body);
  } catch {
    text = JSON.stringify(body);
  }
  return createHash("sha256").update(`${request.method} ${path}\n${text}`, "utf8").digest("hex");
}

/**
 * The scope a write runs in for idempotent(): the fingerprint is computed only with a key, since
 * without one nothing is stored or compared (and hashing every body costs the HTTP thread).
 */
export function idempotencyScope(request: FastifyRequest, keyId: string): IdempotencyScope {
  const idempotencyKey = idempotencyKeyOf(request);
  return { keyId, idempotencyKey, requestHash: idempotencyKey === undefined ? "" : requestHash(request) };
}
