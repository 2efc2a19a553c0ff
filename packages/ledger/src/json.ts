// RFC 8785 (JSON Canonicalization Scheme) serialisation. Record hashes are SHA-256 of these bytes,
// so anything that would serialise ambiguously (NaN, ±Infinity, -0, lone surrogates, class
// instances, undefined) is refused with the JSON path of the offending value instead of guessed.

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

function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * The path of the value being serialised, kept as a stack of keys and turned into text only when
 * there is an error to report (building it for every value would dominate the cost of appends).
 */
class PathStack {
  private readonly keys: (string | number)[] = [];
  private readonly root: string;
  constructor(root: string) {
    this.root = root;
  }
  push(key: string | number): void {
    this.keys.push(key);
  }
  pop(): void {
    this.keys.pop();
  }
  get depth(): number {
    return this.keys.length;
  }
  text(): string {
    return this.keys.reduce<string>((path, key) => childPath(path, key), this.root);
  }
}

function serializeString(value: string, path: PathStack): string {
  if (!value.isWellFormed()) throw new LedgerValueError(path.text(), "string contains a lone UTF-16 surrogate");
  // ES2019 JSON.stringify escapes exactly what RFC 8785 §3.2.2.2 asks for once lone surrogates are gone.
  return JSON.stringify(value);
}

function serializeNumber(value: number, path: PathStack): string {
  if (Number.isNaN(value)) throw new LedgerValueError(path.text(), "NaN is not valid JSON");
  if (!Number.isFinite(value)) throw new LedgerValueError(path.text(), `${value} is not valid JSON`);
  if (value === 0 && 1 / value < 0)
    throw new LedgerValueError(path.text(), "-0 is not allowed (it canonicalises to 0)");
  // Number.prototype.toString is the ECMAScript serialisation RFC 8785 §3.2.2.3 specifies.
  return String(value);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return "a bigint (use a decimal string)";
  if (typeof value === "symbol") return "a symbol";
  const name = (value as object).constructor?.name;
  return name ? `a ${name} instance` : "a non-plain object";
}

function serialize(value: unknown, path: PathStack): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return serializeNumber(value, path);
    case "string":
      return serializeString(value, path);
    case "object":
      break;
    default:
      throw new LedgerValueError(path.text(), `${describe(value)} is not valid JSON`);
  }
  if (path.depth >= MAX_JSON_DEPTH)
    throw new LedgerValueError(path.text(), `nesting deeper than ${MAX_JSON_DEPTH} levels`);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      const item: unknown = value[i];
      // Holes and undefined would silently become null in JSON.stringify; refuse them instead.
      if (item === undefined) throw new LedgerValueError(path.text(), "undefined is not valid JSON");
      out += i > 0 ? `,${serialize(item, path)}` : serialize(item, path);
      path.pop();
    }
    return `${out}]`;
  }
  if (!isPlainObject(value)) throw new LedgerValueError(path.text(), `${describe(value)} is not valid JSON`);
  const record = value as Record<string, unknown>;
  // Default sort compares UTF-16 code units, which is exactly RFC 8785 §3.2.3.
  const keys = Object.keys(record).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    path.push(key);
    const item = record[key];
    if (item === undefined) throw new LedgerValueError(path.text(), "undefined is not valid JSON");
    out += `${i > 0 ? "," : ""}${serializeString(key, path)}:${serialize(item, path)}`;
    path.pop();
  }
  return `${out}}`;
}

/**
 * RFC 8785 canonical JSON of `value`. Throws LedgerValueError naming the JSON path (rooted at `path`,
 * default `$`) for anything that is not plain JSON.
 */
export function canonicalJson(value: unknown, path = "$"): string {
  return serialize(value, new PathStack(path));
}
