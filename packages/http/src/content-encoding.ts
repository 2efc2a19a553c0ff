// Bodies are read as sent: nothing here decompresses them. A compressed body (Content-Encoding:
// gzip, br, deflate…) would reach the JSON parser as binary and be called "not valid JSON"; it is
// refused before it is read, with 415 and Accept-Encoding: identity (RFC 9110 §15.5.16, §12.5.3).
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ErrorRegistry } from "./errors.ts";

/** The codings of a Content-Encoding header other than identity, or undefined when there are none. */
export function unsupportedEncoding(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const codings = header
    .split(",")
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== "" && coding !== "identity");
  return codings.length > 0 ? codings.join(", ") : undefined;
}

const hasBody = (request: FastifyRequest) =>
  request.headers["transfer-encoding"] !== undefined || Number(request.headers["content-length"] ?? 0) > 0;

export function installContentEncodingCheck(app: FastifyInstance, registry: ErrorRegistry<string>): void {
  app.addHook("preParsing", async (request) => {
    const encoding = unsupportedEncoding(request.headers["content-encoding"]);
    if (encoding === undefined || !hasBody(request)) return;
    throw registry.error(
      "UNSUPPORTED_CONTENT_ENCODING",
      { content_encoding: encoding, supported: ["identity"] },
      `Content-Encoding ${encoding} is not supported: send the body uncompressed (identity)`,
      { "accept-encoding": "identity" },
    );
  });
}
