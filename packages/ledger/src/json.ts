// RFC 8785 (JSON Canonicalization Scheme) serialisation. Record hashes are SHA-256 of these bytes,
// so anything that would serialise ambiguously (NaN, ±Infinity, -0, lone surrogates, class
// instances, undefined) is refused with the JSON path of the offending value instead of guessed.
// Every append serialises its body here, so the common case is one checking walk plus the native
// JSON.stringify, without tracking paths: the first value that is not plain JSON aborts it, and
// json-problem.ts walks again to name the path.
import { findJsonProblem } from "./json-problem.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A value that cannot be part of a ledger record; `path` is where it sits, e.g. `body.items[2].price`. */
export class LedgerValueError extends Error {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = "LedgerValueError";
    this.path = path;
  }
}

/** Deeper nesting than this is almost certainly a bug or an attack on the parser; refuse it. */
export const MAX_JSON_DEPTH = 64;

/** Thrown (never escaping this module) when the fast path meets a value that is not plain JSON. */
class NotPlainJson {}
const NOT_PLAIN_JSON = new NotPlainJson();

/** Set by `prepare` when an object has keys whose order JSON.stringify does not keep. */
let needsSerializer = false;

/** Sorts by UTF-16 code units (RFC 8785 §3.2.3), as `<` and the default sort compare strings. Returns whether anything moved. */
function sortKeys(keys: string[]): boolean {
  const n = keys.length;
  if (n > 16) {
    for (let i = 1; i < n; i++) {
      if (keys[i - 1]! > keys[i]!) {
        keys.sort();
        return true;
      }
    }
    return false;
  }
  // Bodies are small objects: insertion sort, linear when they are sorted already.
  let moved = false;
  for (let i = 1; i < n; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
      moved = true;
    }
    keys[j + 1] = key;
  }
  return moved;
}

/**
 * Checks that `value` is plain JSON and returns what JSON.stringify turns into its canonical form: the
 * value itself, or copies of the objects whose keys were not in canonical order (and of the arrays
 * and objects holding them). JSON.stringify writes strings and numbers exactly as RFC 8785 asks, and
 * an object's keys in insertion order, except integer-like keys, which always come first, and
 * `__proto__`, which a copy cannot hold as a key: objects with those go to `serialize` instead.
 */
function prepare(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value) || (value === 0 && 1 / value < 0)) throw NOT_PLAIN_JSON;
      return value;
    case "object":
      break;
    default:
      throw NOT_PLAIN_JSON;
  }
  if (value === null) return value;
  if (depth >= MAX_JSON_DEPTH) throw NOT_PLAIN_JSON;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      // Holes and undefined would silently become null in JSON.stringify; refuse them instead.
      if (item === undefined) throw NOT_PLAIN_JSON;
      const prepared = prepare(item, depth + 1);
      if (prepared !== item && copy === undefined) copy = value.slice(0, i);
      copy?.push(prepared);
    }
    return copy ?? value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw NOT_PLAIN_JSON;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  // A copy is made at once when the keys were out of order, else at the first child that changed.
  let copy: Record<string, unknown> | undefined = sortKeys(keys) ? {} : undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const first = key.charCodeAt(0);
    if ((first >= 0x30 && first <= 0x39) || key === "__proto__") needsSerializer = true;
    const item = record[key];
    if (item === undefined) throw NOT_PLAIN_JSON;
    const prepared = prepare(item, depth + 1);
    if (copy === undefined && prepared !== item) {
      copy = {};
      for (let j = 0; j < i; j++) copy[keys[j]!] = record[keys[j]!];
    }
    if (copy !== undefined) copy[key] = prepared;
  }
  return copy ?? value;
}

/** Serialises an already checked value, key by key: for objects whose key order JSON.stringify would not keep. */
function serialize(value: unknown): string {
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(serialize).join(",")}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  sortKeys(keys);
  return `{${keys.map((key) => `${JSON.stringify(key)}:${serialize(record[key])}`).join(",")}}`;
}

/**
 * RFC 8785 canonical JSON of `value`. Throws LedgerValueError naming the JSON path (rooted at `path`,
 * default `$`) for anything that is not plain JSON.
 */
export function canonicalJson(value: unknown, path = "$"): string {
  let text: string;
  try {
    needsSerializer = false;
    const prepared = prepare(value, 0);
    text = needsSerializer ? serialize(value) : JSON.stringify(prepared);
  } catch (error) {
    if (error !== NOT_PLAIN_JSON) throw error;
    const found = findJsonProblem(value, path, MAX_JSON_DEPTH);
    throw new LedgerValueError(found?.path ?? path, found?.problem ?? "is not plain JSON");
  }
  // JSON.stringify writes a lone surrogate as \udXXX (so does a literal backslash before "ud…"):
  // only then is the value walked again for strings that are not well-formed UTF-16.
  if (text.includes("\\ud")) {
    const found = findJsonProblem(value, path, MAX_JSON_DEPTH);
    if (found) throw new LedgerValueError(found.path, found.problem);
  }
  return text;
}
