// Free-form JSON from clients (job params, proof metrics) must survive canonical hashing: finite
// numbers only and bounded nesting. JSON.parse turns 1e400 into Infinity, which no hash can take.
import { errors } from "../errors.ts";

const MAX_DEPTH = 32;

function problem(value: unknown, path: string, depth: number): { path: string; reason: string } | undefined {
  if (depth > MAX_DEPTH) return { path, reason: `is nested deeper than ${MAX_DEPTH} levels` };
  if (typeof value === "number") {
    return Number.isFinite(value) ? undefined : { path, reason: "is not a finite number" };
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = problem(value[index], `${path}.${index}`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) {
      const found = problem(child, `${path}.${key}`, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/** Throws VALIDATION_FAILED naming the first value under `field` that cannot be hashed. */
export function assertHashableJson(value: unknown, field: string): void {
  const found = problem(value, field, 0);
  if (found) throw errors.error("VALIDATION_FAILED", { field: found.path }, `${found.path} ${found.reason}`);
}
