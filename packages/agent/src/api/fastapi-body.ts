// Request bodies read as the reference's FastAPI reads them (fastapi/routing.py): the body is parsed
// as JSON when the request has no Content-Type, or an application/json or application/*+json one;
// under any other type (text/plain, a form…) the raw text goes to validation, which refuses it as
// "not an object" (422 model_attributes_type, echoing the text). An empty body is no body (a 422
// "Field required"). A body that is not JSON is Python's json_invalid, at Python's position.

import type { FastifyInstance, FastifyRequest } from "fastify";
import { agentErrors } from "./errors.ts";
import { pythonJsonError } from "./python-json-error.ts";
import { rememberSentBody } from "./sent-body.ts";

/**
 * Whether FastAPI parses a body sent with this Content-Type as JSON. Python's email.message reads
 * the type: the part before ";", lowercased and trimmed, and anything without exactly one "/" is
 * text/plain.
 */
export function parsesAsJson(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType === "") return true;
  const type = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  const parts = type.split("/");
  if (parts.length !== 2 || parts[0] !== "application") return false;
  const subtype = parts[1] as string;
  return subtype === "json" || subtype.endsWith("+json");
}

type Done = (error: Error | null, body?: unknown) => void;

export function installFastApiBodies(app: FastifyInstance): void {
  // Fastify's secure parser: it refuses "__proto__" and "constructor.prototype" keys, which
  // FastAPI would ignore but a JavaScript server must not pass on.
  const secureParse = app.getDefaultJsonParser("error", "error");

  const parseJson = (request: FastifyRequest, text: string, done: Done) => {
    const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
    try {
      JSON.parse(source);
    } catch (error) {
      const python = pythonJsonError(source);
      const reason = python?.msg ?? (error instanceof Error ? error.message : "invalid JSON");
      done(agentErrors.error("INVALID_JSON", { reason, position: python?.pos }));
      return;
    }
    secureParse(request, source, (error, body) => {
      if (error) {
        done(agentErrors.error("INVALID_JSON", { reason: 'the body holds a "__proto__" or "constructor" key' }));
        return;
      }
      rememberSentBody(request, source);
      done(null, body);
    });
  };

  // Fastify answers 415 to a Content-Type it cannot parse ("json", "application/json; charset")
  // before any parser runs; Python reads the same header leniently. The header is replaced by what
  // Python made of it, so both agree.
  app.addHook("preParsing", async (request) => {
    const header = request.headers["content-type"];
    if (header !== undefined)
      request.headers["content-type"] = parsesAsJson(header) ? "application/json" : "text/plain";
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (request, body, done) => {
    // No route (an unknown path, or a known one asked with another method): FastAPI routes before
    // it reads the body, so the answer is the 404 or 405, whatever the body holds.
    if (!request.routeOptions.url) {
      done(null, undefined);
      return;
    }
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text === "") {
      done(null, undefined);
      return;
    }
    if (parsesAsJson(request.headers["content-type"])) parseJson(request, text, done);
    else done(null, text);
  });
}
