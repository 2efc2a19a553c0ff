// Unknown query and body fields are refused (422 naming the field), as the published schemas say
// (additionalProperties: false). The shared validator drops them silently instead, which turns a
// typo into a different request: `?minerid=sim-001` would list every miner's records, `"force":
// true` would be accepted and ignored. Runs after authentication (an unsigned caller learns
// nothing about the schema) and before validation (which would drop the field).

import type { FastifyInstance, FastifyRequest } from "fastify";
import { fleetErrors } from "./errors.ts";

interface ObjectSchema {
  type?: unknown;
  properties?: Record<string, unknown>;
  additionalProperties?: unknown;
  anyOf?: unknown[];
  oneOf?: unknown[];
}

/**
 * The field names a schema allows, or undefined when it allows any. No schema at all: the route
 * takes no fields there (every route of the fleet API declares the ones it reads).
 */
function allowedFields(schema: unknown): Set<string> | undefined {
  if (schema === undefined) return new Set();
  if (typeof schema !== "object" || schema === null) return undefined;
  const object = schema as ObjectSchema;
  const variants = object.anyOf ?? object.oneOf;
  if (variants) {
    // A union (a body that may be an object or null): the fields of its closed object variants.
    const closed = variants.map((variant) => (isObjectSchema(variant) ? allowedFields(variant) : undefined));
    if (closed.some((fields, index) => fields === undefined && isObjectSchema(variants[index]))) return undefined;
    const names = closed.filter((fields): fields is Set<string> => fields !== undefined);
    return names.length === 0 ? undefined : new Set(names.flatMap((fields) => [...fields]));
  }
  if (!isObjectSchema(object) || object.additionalProperties !== false) return undefined;
  return new Set(Object.keys(object.properties ?? {}));
}

function isObjectSchema(schema: unknown): boolean {
  return typeof schema === "object" && schema !== null && (schema as ObjectSchema).type === "object";
}

function check(location: "querystring" | "body", value: unknown, schema: unknown): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return;
  const allowed = allowedFields(schema);
  if (!allowed) return;
  const unknown = Object.keys(value).find((name) => !allowed.has(name));
  if (unknown === undefined) return;
  const field = `${location}.${unknown}`;
  const known = [...allowed].sort();
  const message =
    known.length > 0
      ? `${field} is not a field of this request (known: ${known.join(", ")})`
      : `${field} is not a field of this request (it takes no ${location === "body" ? "body fields" : "query"})`;
  throw fleetErrors.error(
    "VALIDATION_FAILED",
    {
      field,
      errors: [{ location, path: [unknown], field, message, keyword: "additionalProperties" }],
    },
    message,
  );
}

/**
 * A query field given twice (`?limit=1&limit=2`) arrives as a list, which the validator would
 * report as "must be integer": say what happened instead. Fields a schema declares as lists pass.
 */
function checkRepeated(query: unknown, schema: unknown): void {
  if (typeof query !== "object" || query === null) return;
  const properties = ((schema as ObjectSchema | undefined)?.properties ?? {}) as Record<string, { type?: unknown }>;
  for (const [name, value] of Object.entries(query)) {
    if (!Array.isArray(value) || properties[name]?.type === "array") continue;
    const field = `querystring.${name}`;
    const message = `${field} was given ${value.length} times (${value.map((v) => JSON.stringify(v)).join(", ")}): give it once`;
    throw fleetErrors.error(
      "VALIDATION_FAILED",
      { field, errors: [{ location: "querystring", path: [name], field, message, keyword: "repeated" }] },
      message,
    );
  }
}

/** Installs the check on the routes of `scope` (the fleet's operator routes and the ledger's beside them). */
export function refuseUnknownFields(scope: FastifyInstance): void {
  scope.addHook("preValidation", async (request: FastifyRequest) => {
    const schema = request.routeOptions.schema ?? {};
    check("querystring", request.query, schema.querystring);
    checkRepeated(request.query, schema.querystring);
    check("body", request.body, schema.body);
  });
}
