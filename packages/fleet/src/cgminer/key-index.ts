// Case-insensitive key lookup for reply rows. Firmwares disagree on the case of field names, so
// every field the normaliser asks for and the row lacks has to be looked for in another case.
// Short rows are simply scanned. Long rows of one firmware share their key list (JSON.parse gives
// them the same keys in the same order), so their lower-case index is built once per key list (a
// "shape") and found again by comparing the row's keys with the shape's: cheap, as JSON.parse
// interns property names. Rows are read, never changed, once parsed.

import type { JsonObject, JsonValue } from "./lenient-json.ts";

interface Shape {
  keys: readonly string[];
  /** Lower-cased key → the row's first key with that spelling. */
  index: ReadonlyMap<string, string>;
}

/** Shapes by key count, first and last key. Bounded: a fleet has a handful of firmwares. */
const shapes = new Map<string, Shape[]>();
const maxShapes = 1_000;
let shapeCount = 0;

// A row is asked for several absent fields, in turns with other rows of the same reply.
const indexes = new WeakMap<JsonObject, ReadonlyMap<string, string>>();

const lowered = new Map<string, string>();

/** The lower case of a key the normaliser asks for (a few dozen constants, remembered). */
export function lowerKey(key: string): string {
  let lower = lowered.get(key);
  if (lower === undefined) {
    lower = key.toLowerCase();
    if (lowered.size < 10_000) lowered.set(key, lower);
  }
  return lower;
}

/** Rows with more keys than this are looked up through their shape's index, others by a scan. */
const scanLimit = 32;

/**
 * The value of the row's first key equal to `key` ignoring case (the caller has found no exact
 * match). A short row (a summary, a pool) is scanned; a long one (Antminer stats, ~110 keys)
 * goes through its shape's index, built once for all rows of that shape.
 */
export function caseInsensitiveValue(row: JsonObject, key: string): JsonValue | undefined {
  let index = indexes.get(row);
  if (index === undefined) {
    const lower = lowerKey(key);
    let seen = 0;
    for (const candidate in row) {
      if (++seen > scanLimit) {
        index = caseIndex(row);
        break;
      }
      if (candidate.length === key.length && candidate.toLowerCase() === lower && Object.hasOwn(row, candidate)) {
        return row[candidate];
      }
    }
    if (index === undefined) return undefined;
  }
  const actual = index.get(lowerKey(key));
  return actual === undefined ? undefined : row[actual];
}

/** Lower-cased key → the row's first key spelt that way. */
export function caseIndex(row: JsonObject): ReadonlyMap<string, string> {
  const known = indexes.get(row);
  if (known !== undefined) return known;
  const keys = Object.keys(row);
  const fingerprint = `${keys.length}\u0000${keys[0] ?? ""}\u0000${keys[keys.length - 1] ?? ""}`;
  let bucket = shapes.get(fingerprint);
  let index = bucket?.find((shape) => sameKeys(shape.keys, keys))?.index;
  if (index === undefined) {
    const built = new Map<string, string>();
    for (const key of keys) {
      const lower = key.toLowerCase();
      if (!built.has(lower)) built.set(lower, key);
    }
    index = built;
    if (shapeCount < maxShapes) {
      if (!bucket) {
        bucket = [];
        shapes.set(fingerprint, bucket);
      }
      bucket.push({ keys, index });
      shapeCount++;
    }
  }
  indexes.set(row, index);
  return index;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
