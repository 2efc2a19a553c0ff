// Lone UTF-16 surrogates ("\ud800" in JSON text) are valid JSON but not Unicode: RFC 8785 canonical
// JSON, and so every hash and signature over it, cannot hold them. A server that hashes or signs
// what clients send refuses them up front, naming the field, instead of failing later with a 500.
import type { FastifyInstance } from "fastify";
import type { ErrorRegistry } from "./errors.ts";

/** The dotted path (from `root`) of the first string or key that is not well-formed Unicode. */
export function firstIllFormedString(value: unknown, root: string): string | undefined {
  // An explicit stack: a body may be nested far deeper than the call stack allows.
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [current, path] = stack.pop() as [unknown, string];
    if (typeof current === "string") {
      if (!current.isWellFormed()) return path;
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) stack.push([current[index], `${path}.${index}`]);
    } else if (current !== null && typeof current === "object") {
      const keys = Object.keys(current);
      for (let index = keys.length - 1; index >= 0; index--) {
        const key = keys[index] as string;
        if (!key.isWellFormed()) return `${path}.${key}`;
        stack.push([(current as Record<string, unknown>)[key], `${path}.${key}`]);
      }
    }
  }
  return undefined;
}

/**
 * Refuses JSON bodies holding a lone surrogate with VALIDATION_FAILED naming the field. A preHandler:
 * after every server's own authentication (some check signatures in preValidation) and after schema
 * validation has dropped the fields a route does not take.
 */
export function installWellFormedStrings(app: FastifyInstance, registry: ErrorRegistry<string>): void {
  app.addHook("preHandler", async (request) => {
    if (request.body === undefined || request.body === null || typeof request.body !== "object") return;
    const field = firstIllFormedString(request.body, "body");
    if (field === undefined) return;
    throw registry.error(
      "VALIDATION_FAILED",
      { field },
      `${field} is not well-formed Unicode (it holds a lone UTF-16 surrogate)`,
    );
  });
}
