// The slow path of canonicalJson: once the fast serialiser has met something that is not plain JSON,
// this walks the value again keeping the path, to say where and what (`body.items[2].price: NaN …`).
// It runs only for values that are refused, so it favours clear messages over speed.

/** Where a value stops being plain JSON, and why. */
export interface JsonProblem {
  path: string;
  problem: string;
}

function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "function") return "a function";
  if (typeof value === "bigint") return "a bigint (use a decimal string)";
  if (typeof value === "symbol") return "a symbol";
  const name = (value as object).constructor?.name;
  return name ? `a ${name} instance` : "a non-plain object";
}

function numberProblem(value: number): string | undefined {
  if (Number.isNaN(value)) return "NaN is not valid JSON";
  if (!Number.isFinite(value)) return `${value} is not valid JSON`;
  if (value === 0 && 1 / value < 0) return "-0 is not allowed (it canonicalises to 0)";
  return undefined;
}

const SURROGATE = "string contains a lone UTF-16 surrogate";

function find(value: unknown, path: string, depth: number, maxDepth: number): JsonProblem | undefined {
  if (value === null || typeof value === "boolean") return undefined;
  if (typeof value === "string") return value.isWellFormed() ? undefined : { path, problem: SURROGATE };
  if (typeof value === "number") {
    const problem = numberProblem(value);
    return problem ? { path, problem } : undefined;
  }
  if (typeof value !== "object") return { path, problem: `${describe(value)} is not valid JSON` };
  if (depth >= maxDepth) return { path, problem: `nesting deeper than ${maxDepth} levels` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const at = childPath(path, i);
      // Holes and undefined would silently become null in JSON.stringify; they are refused instead.
      if (item === undefined) return { path: at, problem: "undefined is not valid JSON" };
      const found = find(item, at, depth + 1, maxDepth);
      if (found) return found;
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return { path, problem: `${describe(value)} is not valid JSON` };
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record).sort()) {
    const at = childPath(path, key);
    if (!key.isWellFormed()) return { path: at, problem: SURROGATE };
    const item = record[key];
    if (item === undefined) return { path: at, problem: "undefined is not valid JSON" };
    const found = find(item, at, depth + 1, maxDepth);
    if (found) return found;
  }
  return undefined;
}

/** The first thing (in canonical order) that keeps `value` from being plain JSON, or undefined. */
export function findJsonProblem(value: unknown, root: string, maxDepth: number): JsonProblem | undefined {
  return find(value, root, 0, maxDepth);
}
