// Hashrate units. cgminer reports MH/s ("MHS 5s"), bmminer GH/s ("GHS 5s"), Antminer stats carry
// a rate_unit ("GH", "MH/s", "TH"). Everything becomes TH/s as an exact decimal string: the
// firmware's decimal is scaled by a power of ten, never multiplied as a float.

import { formatRational, parseDecimal } from "../decimal.ts";
import type { JsonValue } from "./lenient-json.ts";

/** `value` × 10^`exponent` TH/s with six decimals (MH/s resolution), as a decimal string. */
export function thsFrom(value: number, exponent: number): string {
  const parsed = parseDecimal(value);
  if (!parsed) return "0";
  const scale = 10n ** BigInt(Math.abs(exponent));
  const scaled =
    exponent >= 0 ? { num: parsed.num * scale, den: parsed.den } : { num: parsed.num, den: parsed.den * scale };
  return formatRational(scaled, 6);
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

/** Power of ten from a rate_unit value to TH/s; `fallback` when the unit is absent or unknown. */
export function unitExponent(unit: JsonValue | undefined, fallback: number): number {
  if (typeof unit !== "string") return fallback;
  const letter = unit.trim().charAt(0).toUpperCase();
  const exponents: Record<string, number> = { K: -9, M: -6, G: -3, T: 0, P: 3 };
  return exponents[letter] ?? fallback;
}
