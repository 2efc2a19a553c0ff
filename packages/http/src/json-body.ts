// JSON bodies go through Fastify's secure parser, which refuses a "__proto__" key, and a
// "constructor" key holding a "prototype" (in a JavaScript server they could reach object
// prototypes), but says "not valid JSON" for those and for real syntax errors alike. When it
// refuses a body, the body is read again to say why: JSON.parse's own words (with the position),
// or which key was refused and where.
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ErrorRegistry } from "./errors.ts";

type Done = (error: Error | null, body?: unknown) => void;
export type JsonBodyParser = (request: FastifyRequest, body: string, done: Done) => void;

/** The first key the secure parser refuses in a parsed JSON value, with its dotted path from `root`. */
export function forbiddenKey(value: unknown, root = "body"): { key: string; field: string } | undefined {
  // An explicit stack: a body may be nested far deeper than the call stack allows.
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [node, path] = stack.pop() as [unknown, string];
    if (node === null || typeof node !== "object") continue;
    if (Object.hasOwn(node, "__proto__")) return { key: "__proto__", field: `${path}.__proto__` };
    if (Object.hasOwn(node, "constructor")) {
      const held = (node as Record<string, unknown>).constructor;
      if (typeof held === "object" && held !== null && Object.hasOwn(held, "prototype")) {
        return { key: "constructor", field: `${path}.constructor` };
      }
    }
    const keys = Object.keys(node);
    for (let index = keys.length - 1; index >= 0; index--) {
      const key = keys[index] as string;
      stack.push([(node as Record<string, unknown>)[key], `${path}.${key}`]);
    }
  }
  return undefined;
}

/** Fastify's secure JSON parser, with refusals that say what was wrong (INVALID_JSON, 400). */
export function jsonBodyParser(app: FastifyInstance, registry: ErrorRegistry<string>): JsonBodyParser {
  const secureParse = app.getDefaultJsonParser("error", "error");
  return (request, body, done) => {
    secureParse(request, body, (error, value) => {
      if (!error) {
        done(null, value);
        return;
      }
      // An empty body keeps Fastify's own error (the error handler explains it).
      if (body.length === 0) {
        done(error);
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.charCodeAt(0) === 0xfeff ? body.slice(1) : body);
      } catch (syntax) {
        done(registry.error("INVALID_JSON", { reason: (syntax as Error).message }));
        return;
      }
      const found = forbiddenKey(parsed);
      if (!found) {
        done(error);
        return;
      }
      const holding = found.key === "constructor" ? ' when it holds a "prototype"' : "";
      done(
        registry.error(
          "INVALID_JSON",
          { reason: "forbidden_key", key: found.key, field: found.field },
          `The JSON key "${found.key}" (at ${found.field}) is refused${holding}: it could change object prototypes in the server. Rename or remove it`,
        ),
      );
    });
  };
}

/** Replaces Fastify's application/json parser with jsonBodyParser. */
export function installJsonBodies(app: FastifyInstance, registry: ErrorRegistry<string>): void {
  const parse = jsonBodyParser(app, registry);
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    // No route (an unknown path, or a known one asked with another method): the answer is its 404
    // or 405 whatever the body holds, not a complaint about JSON the server would never read.
    if (!request.routeOptions.url) {
      done(null, undefined);
      return;
    }
    parse(request, body as string, done);
  });
}
