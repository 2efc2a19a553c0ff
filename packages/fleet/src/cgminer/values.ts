// Reading the loosely typed values firmwares put in their replies: numbers that arrive as
// strings ("54997.01", "39.5K"), "" for a chain that is not there, "inf"/"nan", dash-joined
// sensor lists ("48-80-49-70") and chip status strings (" oooooooo oooxoooo").

import { caseInsensitiveValue } from "./key-index.ts";
import type { JsonObject, JsonValue } from "./lenient-json.ts";

/**
 * A finite number from a number or a numeric string, with an optional SI suffix ("39.5K");
 * undefined for "", null, "inf", "nan" and anything else that is not a number.
 */
export function toNumber(value: JsonValue | undefined): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return undefined;
  return numberFromText(value);
}

// Called for most fields of every reply, so it scans by hand rather than with regular
// expressions. Grammar (after trimming, and dropping quotes around the text as btminer sends):
//   [+-] (digits [. digits?] | . digits) [e|E [+-] digits]  whitespace*  [k|m|g|t|p, either case]
function numberFromText(value: string): number | undefined {
  let start = 0;
  let end = value.length;
  while (start < end && isSpace(value.charCodeAt(start))) start++;
  while (end > start && isSpace(value.charCodeAt(end - 1))) end--;
  while (start < end && value.charCodeAt(start) === 0x27) start++; // '
  while (end > start && value.charCodeAt(end - 1) === 0x27) end--;
  if (start === end) return undefined;
  const multiplier = siMultiplier(value.charCodeAt(end - 1));
  if (multiplier !== 1) end--;
  while (end > start && isSpace(value.charCodeAt(end - 1))) end--;
  let i = start;
  let c = value.charCodeAt(i);
  if (c === 0x2b || c === 0x2d) c = value.charCodeAt(++i); // + -
  let digits = 0;
  while (c >= 0x30 && c <= 0x39) {
    digits++;
    c = value.charCodeAt(++i);
  }
  if (c === 0x2e) {
    // .
    c = value.charCodeAt(++i);
    while (c >= 0x30 && c <= 0x39) {
      digits++;
      c = value.charCodeAt(++i);
    }
  }
  if (digits === 0) return undefined;
  if (c === 0x65 || c === 0x45) {
    // e E
    c = value.charCodeAt(++i);
    if (c === 0x2b || c === 0x2d) c = value.charCodeAt(++i);
    let exponentDigits = 0;
    while (c >= 0x30 && c <= 0x39) {
      exponentDigits++;
      c = value.charCodeAt(++i);
    }
    if (exponentDigits === 0) return undefined;
  }
  if (i !== end) return undefined;
  const result = Number(value.slice(start, end)) * multiplier;
  return Number.isFinite(result) ? result : undefined;
}

function siMultiplier(code: number): number {
  switch (code | 0x20) {
    case 0x6b: // k
      return 1e3;
    case 0x6d: // m
      return 1e6;
    case 0x67: // g
      return 1e9;
    case 0x74: // t
      return 1e12;
    case 0x70: // p
      return 1e15;
    default:
      return 1;
  }
}

const unicodeSpace = /\s/;

/** What String.prototype.trim and /\s/ treat as white space. */
export function isSpace(code: number): boolean {
  if (code === 0x20 || (code >= 0x09 && code <= 0x0d)) return true;
  return code > 0x7f && unicodeSpace.test(String.fromCharCode(code));
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
  return source ? pickFirst(source, keys, toNumber)?.value : undefined;
}

export function pickText(source: JsonObject | undefined, ...keys: string[]): string | undefined {
  return source ? pickFirst(source, keys, toText)?.value : undefined;
}

/** Which of `keys` pickNumber takes its number from, and the number. */
export function pickNumberAt(
  source: JsonObject,
  keys: readonly string[],
): { index: number; value: number } | undefined {
  return pickFirst(source, keys, toNumber);
}

/** The first key, in the order given, whose value (exact match, else case-insensitive) reads as usable. */
function pickFirst<T>(
  source: JsonObject,
  keys: readonly string[],
  read: (value: JsonValue | undefined) => T | undefined,
): { index: number; value: T } | undefined {
  for (let index = 0; index < keys.length; index++) {
    const value = read(lookup(source, keys[index] as string));
    if (value !== undefined) return { index, value };
  }
  return undefined;
}

/** A key's value, exact match first, then case-insensitive (firmwares disagree on case). */
export function lookup(source: JsonObject, key: string): JsonValue | undefined {
  // One property load for the usual hit: a parsed value is never undefined or a function, so
  // anything else read here is the row's own (Object.prototype holds only functions, and
  // __proto__, which takes the careful path).
  const value = source[key];
  if (value !== undefined && typeof value !== "function" && key !== "__proto__") return value;
  if (Object.hasOwn(source, key)) return source[key];
  return caseInsensitiveValue(source, key);
}

/** "48-80-49-70" or "48,80" or 80 → the readings, zeros (absent sensors) left out. */
export function toReadings(value: JsonValue | undefined): number[] {
  if (typeof value === "number") return Number.isFinite(value) && value !== 0 ? [value] : [];
  if (typeof value !== "string") return [];
  const readings: number[] = [];
  let from = 0;
  for (let i = 0; i <= value.length; i++) {
    // Separators: - , / and white space; the end of the text closes the last part.
    const c = i === value.length ? 0x2c : value.charCodeAt(i);
    if (c !== 0x2d && c !== 0x2c && c !== 0x2f && !isSpace(c)) continue;
    if (i > from) {
      const reading = numberFromText(value.slice(from, i));
      if (reading !== undefined && reading !== 0) readings.push(reading);
    }
    from = i + 1;
  }
  return readings;
}

/** Counts chips in a chain status string: `o` good, `x` bad; spaces and other marks ignored. */
export function chipStatus(value: JsonValue | undefined): { good: number; bad: number } | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  let good = 0;
  let bad = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i) | 0x20; // lower case
    if (c === 0x6f)
      good++; // o
    else if (c === 0x78) bad++; // x
  }
  return { good, bad };
}
