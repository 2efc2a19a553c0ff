// Validation errors in pydantic v2's vocabulary, as FastAPI writes them: `{type, loc, msg, input,
// ctx?}`. Ajv reports what the schema says; pydantic differs in three ways this file makes up for:
// a Field constraint that fails hides the field's validators (one error for "", not two), the
// reference's own validators are `value_error`s in their words, and `input` echoes the body as it
// was sent (validation fills in defaults and drops unknown fields in place).

import { boundedEcho, type FieldError, type HttpError } from "@pithead/http";
import type { FastifyRequest } from "fastify";
import { sentBody } from "./sent-body.ts";

export interface FastApiError {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

// Ajv says "must NOT have more than 100 characters": the number after "than" is the limit.
const limitOf = (message: string) => Number(/than (\d+)/.exec(message)?.[1] ?? Number.NaN);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

const TYPE_ERRORS: Record<string, [string, string]> = {
  string: ["string_type", "Input should be a valid string"],
  boolean: ["bool_type", "Input should be a valid boolean"],
  array: ["list_type", "Input should be a valid list"],
  object: ["model_attributes_type", "Input should be a valid dictionary or object to extract fields from"],
  integer: ["int_type", "Input should be a valid integer"],
  number: ["float_type", "Input should be a valid number"],
};

/** A check of the reference's field validators (`raise ValueError(...)`), as FastAPI writes it. */
function validatorError(loc: (string | number)[], message: string, input: unknown): FastApiError {
  // pydantic's ctx holds the exception, which FastAPI's jsonable_encoder writes as {}.
  return { type: "value_error", loc, msg: `Value error, ${message}`, input, ctx: { error: {} } };
}

/** The kit's keyword for a string holding a lone surrogate (its wellFormedStrings check). */
const WELL_FORMED = "wellFormed";

/** One Ajv field error in pydantic v2's vocabulary. */
export function toFastApiError(error: FieldError): FastApiError {
  const loc = [
    error.location === "querystring" ? "query" : error.location === "params" ? "path" : error.location,
    ...error.path,
  ];
  const { input } = error;
  switch (error.keyword) {
    case "required":
      return { type: "missing", loc, msg: "Field required", input: input ?? null };
    case "type": {
      // A missing body is reported as a missing body, not as a body of the wrong type.
      if (error.path.length === 0 && input === undefined) {
        return { type: "missing", loc, msg: "Field required", input: null };
      }
      const expected = /must be (\w+)/.exec(error.message)?.[1] ?? "";
      // A string or number that lax-booleans.ts could not read: pydantic's "unable to interpret".
      if (expected === "boolean" && (typeof input === "string" || typeof input === "number")) {
        return { type: "bool_parsing", loc, msg: "Input should be a valid boolean, unable to interpret input", input };
      }
      const [type, msg] = TYPE_ERRORS[expected] ?? ["value_error", error.message];
      return { type, loc, msg, input };
    }
    case "maxLength": {
      const max = limitOf(error.message);
      return {
        type: "string_too_long",
        loc,
        msg: `String should have at most ${plural(max, "character")}`,
        input,
        ctx: { max_length: max },
      };
    }
    case "minLength": {
      const min = limitOf(error.message);
      return {
        type: "string_too_short",
        loc,
        msg: `String should have at least ${plural(min, "character")}`,
        input,
        ctx: { min_length: min },
      };
    }
    case "maxItems": {
      const max = limitOf(error.message);
      const actual = Array.isArray(input) ? input.length : 0;
      return {
        type: "too_long",
        loc,
        msg: `List should have at most ${plural(max, "item")} after validation, not ${actual}`,
        input,
        ctx: { field_type: "List", max_length: max, actual_length: actual },
      };
    }
    case "minItems": {
      // ComponentInput.input's lower bound is a validator of the reference's, not a Field constraint.
      if (error.location === "body" && error.path.length === 1 && error.path[0] === "input") {
        return validatorError(loc, "At least one input item is required", input);
      }
      const min = limitOf(error.message);
      const actual = Array.isArray(input) ? input.length : 0;
      return {
        type: "too_short",
        loc,
        msg: `List should have at least ${plural(min, "item")} after validation, not ${actual}`,
        input,
        ctx: { field_type: "List", min_length: min, actual_length: actual },
      };
    }
    case "pattern": {
      const field = error.path[error.path.length - 1] ?? "value";
      return validatorError(loc, `${field} cannot be empty or whitespace only`, input);
    }
    case WELL_FORMED:
      return validatorError(
        loc,
        `${error.path.join(".")} is not well-formed Unicode (it holds a lone UTF-16 surrogate)`,
        input,
      );
    default:
      return { type: "value_error", loc, msg: error.message, input };
  }
}

/** The kit's lone-surrogate refusal names one field ("body.cid") and lists no errors. */
function reportedErrors(error: HttpError): FieldError[] {
  const errors = error.details?.errors as FieldError[] | undefined;
  if (errors) return errors;
  const field = error.details?.field;
  if (typeof field !== "string") return [];
  const [location = "body", ...rest] = field.split(".");
  const path = rest.map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  return [{ location, path, field, message: error.message, keyword: WELL_FORMED }];
}

const CONSTRAINTS = new Set(["minLength", "maxLength"]);
const samePath = (a: (string | number)[], b: (string | number)[]) =>
  a.length === b.length && a.every((part, index) => part === b[index]);

/** pydantic runs a field's validators only once its Field constraints hold. */
function withoutHiddenValidators(errors: FieldError[]): FieldError[] {
  return errors.filter(
    (one) =>
      one.keyword !== "pattern" ||
      !errors.some((other) => CONSTRAINTS.has(other.keyword) && samePath(other.path, one.path)),
  );
}

function valueAt(root: unknown, path: (string | number)[]): { found: boolean; value?: unknown } {
  let current = root;
  for (const part of path) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, part)) return { found: false };
    current = (current as Record<string | number, unknown>)[part];
  }
  return { found: true, value: current };
}

/** What pydantic echoes: the value at the field, or for a missing field the object it is missing from. */
function sentInput(error: FieldError, sent: unknown): unknown {
  if (sent === undefined || error.location !== "body") return error.input;
  const path = error.keyword === "required" ? error.path.slice(0, -1) : error.path;
  const at = valueAt(sent, path);
  return at.found ? at.value : error.input;
}

/** The `detail` list of a 422 for VALIDATION_FAILED. */
export function validationDetail(error: HttpError, request: FastifyRequest | undefined): FastApiError[] {
  const sent = request ? sentBody(request) : undefined;
  return withoutHiddenValidators(reportedErrors(error)).map((one) => {
    const detail = toFastApiError({ ...one, input: sentInput(one, sent) });
    // The echoed input is bounded (a huge or deeply nested body must not make a huge error or a 500).
    return { ...detail, input: boundedEcho(detail.input) };
  });
}
