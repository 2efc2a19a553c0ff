// Reading the loosely typed values firmwares put in their replies: numbers that arrive as
// strings ("54997.01", "39.5K"), "" for a chain that is not there, "inf"/"nan", dash-joined
// sensor lists ("48-80-49-70") and chip status strings (" oooooooo oooxoooo").

import type { JsonObject, JsonValue } from "./lenient-json.ts";

const suffixes: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };

/**
 * A finite number from a number or a numeric string, with an optional SI suffix ("39.5K");
 * undefined for "", null, "inf", "nan" and anything else that is not a number.
 */
export function toNumber(value: JsonValue | undefined): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim().replace(/^'+|'+$/g, "");
  if (text === "") return undefined;
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([kKmMgGtTpP])?$/.exec(text);
  if (!match) return undefined;
  const base = Number(match[1]);
  const suffix = match[2] ? (suffixes[match[2].toLowerCase()] ?? 1) : 1;
  const result = base * suffix;
  return Number.isFinite(result) ? result : undefined;
}

/** A string value, or undefined when absent or empty. */
export function toText(value: JsonValue | undefined): string | undefined {
  if (typeof value === "string") {
    const trimmed = value.trim();
    return trimmed === "" ? undefined : trimmed;
  }
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** The first key present (case-insensitive) holding a usable number. */
export function pickNumber(source: JsonObject | undefined, ...keys: string[]): number | undefined {
  if (!source) return undefined;
  for (const key of keys) {
    const found = toNumber(lookup(source, key));
    if (found !== undefined) return found;
  }
  return undefined;
}

export function pickText(source: JsonObject | undefined, ...keys: string[]): string | undefined {
  if (!source) return undefined;
  for (const key of keys) {
    const found = toText(lookup(source, key));
    if (found !== undefined) return found;
  }
  return undefined;
}

// Lower-cased key → actual key, built once per reply row (rows have up to ~150 keys and are
// searched for dozens of optional fields).
const lowerKeys = new WeakMap<JsonObject, Map<string, string>>();

function keyIndex(source: JsonObject): Map<string, string> {
  let index = lowerKeys.get(source);
  if (!index) {
    index = new Map();
    for (const key of Object.keys(source)) {
      const lower = key.toLowerCase();
      if (!index.has(lower)) index.set(lower, key);
    }
    lowerKeys.set(source, index);
  }
  return index;
}

/** A key's value, exact match first, then case-insensitive (firmwares disagree on case). */
export function lookup(source: JsonObject, key: string): JsonValue | undefined {
  if (Object.hasOwn(source, key)) return source[key];
  const actual = keyIndex(source).get(key.toLowerCase());
  return actual === undefined ? undefined : source[actual];
}

/** "48-80-49-70" or "48,80" or 80 → the readings, zeros (absent sensors) left out. */
export function toReadings(value: JsonValue | undefined): number[] {
  if (typeof value === "number") return Number.isFinite(value) && value !== 0 ? [value] : [];
  if (typeof value !== "string") return [];
  const readings: number[] = [];
  for (const part of value.split(/[-,\s/]+/)) {
    const reading = toNumber(part);
    if (reading !== undefined && reading !== 0) readings.push(reading);
  }
  return readings;
}

/** Counts chips in a chain status string: `o` good, `x` bad; spaces and other marks ignored. */
export function chipStatus(value: JsonValue | undefined): { good: number; bad: number } | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  let good = 0;
  let bad = 0;
  for (const c of value) {
    if (c === "o" || c === "O") good++;
    else if (c === "x" || c === "X") bad++;
  }
  return { good, bad };
}
