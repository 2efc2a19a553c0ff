// Hashrate units. cgminer reports MH/s ("MHS 5s"), bmminer GH/s ("GHS 5s"), Antminer stats carry
// a rate_unit ("GH", "MH/s", "TH"). Everything becomes TH/s as an exact decimal string: the
// firmware's decimal is scaled by a power of ten, never multiplied as a float.

import { formatRational, parseDecimal } from "../decimal.ts";
import type { JsonValue } from "./lenient-json.ts";

/** `value` × 10^`exponent` TH/s with six decimals (MH/s resolution), as a decimal string. */
export function thsFrom(value: number, exponent: number): string {
  return scaledInteger(value, exponent) ?? shiftedDecimal(value, exponent) ?? exactThsFrom(value, exponent);
}

/** The same figure through exact rationals: the reference, and the path for unusual values. */
export function exactThsFrom(value: number, exponent: number): string {
  const parsed = parseDecimal(value);
  if (!parsed) return "0";
  const scale = 10n ** BigInt(Math.abs(exponent));
  const scaled =
    exponent >= 0 ? { num: parsed.num * scale, den: parsed.den } : { num: parsed.num, den: parsed.den * scale };
  return formatRational(scaled, 6);
}

const decimals = 6;
const powersOfTen = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * The fastest path, for the usual firmware figure with few decimals ("95123.45" GH/s): if
 * u = round(value × 10^(exponent+6)) divides back to exactly `value`, and u is below 2^52 (so no
 * other decimal with that many places rounds to the same double), then the number's shortest
 * decimal form is u × 10^-(exponent+6) and u counts the result in 10^-6 TH/s, exactly.
 */
function scaledInteger(value: number, exponent: number): string | undefined {
  const places = exponent + decimals;
  if (places < 0 || places >= powersOfTen.length) return undefined;
  const scale = powersOfTen[places] as number;
  const units = Math.round(value * scale);
  if (units / scale !== value || Math.abs(units) >= 2 ** 52) return undefined;
  const magnitude = Math.abs(units);
  const whole = Math.floor(magnitude / 1e6);
  let fraction = magnitude - whole * 1e6;
  let body = String(whole);
  if (fraction !== 0) {
    let digits = decimals;
    while (fraction % 10 === 0) {
      fraction /= 10;
      digits--;
    }
    body += `.${String(fraction).padStart(digits, "0")}`;
  }
  return units < 0 ? `-${body}` : body;
}

/**
 * The fast path, used for every hashrate of every poll: moves the decimal point of the number's
 * shortest decimal form (what the firmware printed) and rounds half away from zero, in string
 * and safe-integer arithmetic. Undefined for forms it does not handle (exponent notation, more
 * than 15 significant digits), which take the exact path.
 */
function shiftedDecimal(value: number, exponent: number): string | undefined {
  if (!Number.isFinite(value)) return undefined;
  const text = String(value);
  if (text.includes("e")) return undefined;
  const negative = text.charCodeAt(0) === 0x2d;
  const point = text.indexOf(".");
  const whole = text.slice(negative ? 1 : 0, point === -1 ? text.length : point);
  const fraction = point === -1 ? "" : text.slice(point + 1);
  let digits = whole + fraction;
  let at = whole.length + exponent; // position of the decimal point within digits
  if (at < 0) {
    digits = "0".repeat(-at) + digits;
    at = 0;
  }
  if (digits.length < at + decimals + 1) digits += "0".repeat(at + decimals + 1 - digits.length);
  // Units of 10^-6 (truncated), then round on the next digit: the rest cannot lift it past a half.
  const kept = digits.slice(0, at + decimals);
  if (kept.length > 15) return undefined;
  let units = Number(kept);
  if (digits.charCodeAt(at + decimals) >= 0x35) units++; // "5"
  if (units === 0) return "0";
  let body = String(units).padStart(decimals + 1, "0");
  const split = body.length - decimals;
  let end = body.length;
  while (end > split && body.charCodeAt(end - 1) === 0x30) end--;
  body = end === split ? body.slice(0, split) : `${body.slice(0, split)}.${body.slice(split, end)}`;
  return negative ? `-${body}` : body;
}

/** Exact sum of TH/s decimal strings. */
export function sumThs(values: readonly string[]): string {
  let num = 0n;
  let den = 1n;
  for (const value of values) {
    const parsed = parseDecimal(value);
    if (!parsed) continue;
    num = num * parsed.den + parsed.num * den;
    den *= parsed.den;
  }
  return formatRational({ num, den }, 6);
}

const unitExponents: Record<string, number> = { K: -9, M: -6, G: -3, T: 0, P: 3 };

/** Power of ten from a rate_unit value to TH/s; `fallback` when the unit is absent or unknown. */
export function unitExponent(unit: JsonValue | undefined, fallback: number): number {
  if (typeof unit !== "string") return fallback;
  const letter = unit.trim().charAt(0).toUpperCase();
  return unitExponents[letter] ?? fallback;
}
