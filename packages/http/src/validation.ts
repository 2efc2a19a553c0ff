import { Ajv, type Options } from "ajv";
import addFormats from "ajv-formats";
import type { FastifySchemaCompiler } from "fastify";

// Bodies are validated strictly (a string where the schema says integer is an error, not a coercion:
// money must never be parsed from a lenient string); query strings and params arrive as text and are
// coerced. Every problem is reported, not just the first. Unknown fields are dropped, as clients of
// a versioned API expect, except where a schema is marked with rejectUnknownFields: there a typo
// (a mistyped constraint or filter) would silently change what the request means.
const common: Options = { allErrors: true, strict: false };

/** The marker rejectUnknownFields puts on a schema (Ajv ignores keywords it does not know). */
const REJECT_UNKNOWN = "x-unknown-fields";

/**
 * Marks a request schema whose unknown fields are refused (422 naming the field) rather than
 * dropped; nested objects count when they say `additionalProperties: false`.
 */
export function rejectUnknownFields<T extends object>(schema: T): T {
  return { ...schema, [REJECT_UNKNOWN]: "reject", additionalProperties: false };
}

const rejects = (schema: unknown) =>
  typeof schema === "object" && schema !== null && (schema as Record<string, unknown>)[REJECT_UNKNOWN] === "reject";

/** The marker lowercased puts on a string schema. */
const LOWERCASE = "x-lowercase";

/**
 * Marks a request string whose case means nothing (a UUID, RFC 9562): it is lowercased as it is
 * validated, so the handler sees the canonical form a store holds ("01A2…" finds job "01a2…").
 */
export function lowercased<T extends object>(schema: T): T {
  return { ...schema, [LOWERCASE]: true };
}

/** Where Ajv found a value: its parent object or array, undefined for a whole body. */
interface ValuePlace {
  parentData?: Record<string | number, unknown>;
  parentDataProperty: string | number;
}

/** Replaces the value where it sits, as Ajv's own coercion does. */
function lowercaseInPlace(on: boolean, data: unknown, _schema?: unknown, where?: ValuePlace): boolean {
  // A whole body that is one string has no place to write to (and no request schema is one).
  if (on && typeof data === "string" && where?.parentData !== undefined) {
    where.parentData[where.parentDataProperty] = data.toLowerCase();
  }
  return true;
}

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ ...common, ...options });
  (addFormats as unknown as (ajv: Ajv) => void)(ajv);
  ajv.addKeyword({ keyword: LOWERCASE, schemaType: "boolean", modifying: true, validate: lowercaseInPlace });
  return ajv;
}

const lenientBody = makeAjv({ coerceTypes: false, useDefaults: true, removeAdditional: true });
const strictBody = makeAjv({ coerceTypes: false, useDefaults: true, removeAdditional: false });
const lenientText = makeAjv({ coerceTypes: "array", useDefaults: true, removeAdditional: true });
const strictText = makeAjv({ coerceTypes: "array", useDefaults: true, removeAdditional: false });

/**
 * A copy of `schema` whose integers without bounds are held to JavaScript's safe range: a bigger
 * one ("?before=99999999999999999999", 1e20 in a body) is not the number the client wrote, and
 * SQLite refuses to bind it (a 500). It is refused here instead, naming the field.
 */
export function withSafeIntegers(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withSafeIntegers);
  if (typeof schema !== "object" || schema === null) return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) copy[key] = withSafeIntegers(value);
  const type = copy.type;
  if (type === "integer" || (Array.isArray(type) && type.includes("integer"))) {
    if (copy.maximum === undefined && copy.exclusiveMaximum === undefined) copy.maximum = Number.MAX_SAFE_INTEGER;
    if (copy.minimum === undefined && copy.exclusiveMinimum === undefined) copy.minimum = Number.MIN_SAFE_INTEGER;
  }
  return copy;
}

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const safe = withSafeIntegers(schema) as object;
  const strict = rejects(schema);
  const ajv = httpPart === "body" ? (strict ? strictBody : lenientBody) : strict ? strictText : lenientText;
  return ajv.compile(safe) as ReturnType<FastifySchemaCompiler<unknown>>;
};

export interface FieldError {
  /** Where the bad value is: "body", "querystring", "params" or "headers". */
  location: string;
  /** Path inside that part, e.g. ["input", 0, "user_query"]. */
  path: (string | number)[];
  /** Dotted form for messages: "body.input.0.user_query". */
  field: string;
  message: string;
  keyword: string;
  input?: unknown;
}

interface AjvLikeError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  let current = root;
  for (const step of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

/** What is wrong, after the field's name; Ajv's own words, except where they leave out what would do. */
function problem(error: AjvLikeError): string {
  const allowed = error.params?.allowedValues;
  if (error.keyword === "required") return "is required";
  if (error.keyword === "additionalProperties") return "is not a known field (check its spelling)";
  if (error.keyword === "enum" && Array.isArray(allowed)) {
    return `must be one of ${allowed.map((value) => (typeof value === "string" ? value : JSON.stringify(value))).join(", ")}`;
  }
  if (error.keyword === "const") return `must be ${JSON.stringify(error.params?.allowedValue)}`;
  return error.message ?? "is invalid";
}

/** Turns Ajv's errors into field errors that name the field, with the offending value. */
export function fieldErrors(location: string, errors: AjvLikeError[], source: unknown): FieldError[] {
  return errors.map((error) => {
    const path: (string | number)[] = (error.instancePath ?? "")
      .split("/")
      .filter((part) => part !== "")
      .map((part) => (/^\d+$/.test(part) ? Number(part) : part.replace(/~1/g, "/").replace(/~0/g, "~")));
    const missing = error.params?.missingProperty;
    if (error.keyword === "required" && typeof missing === "string") path.push(missing);
    const extra = error.params?.additionalProperty;
    if (error.keyword === "additionalProperties" && typeof extra === "string") path.push(extra);
    const field = [location, ...path].join(".");
    const message = `${field} ${problem(error)}`;
    const input = error.keyword === "required" ? valueAt(source, path.slice(0, -1)) : valueAt(source, path);
    return { location, path, field, message, keyword: error.keyword ?? "invalid", input };
  });
}
