// Exact decimal arithmetic for the numbers that end up in ledger records. Money and BTC are
// integers (micro-dollars, millisatoshi) or decimal strings; floats never reach a hash.

/** An exact rational number: num / den, den > 0. */
export interface Rational {
  num: bigint;
  den: bigint;
}

const decimalPattern = /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$|^([+-]?)\.(\d+)(?:[eE]([+-]?\d+))?$/;

/** Parses "123.45", "-0.5", "1.2e14" or a finite number into an exact rational. */
export function parseDecimal(input: string | number): Rational | undefined {
  if (typeof input === "number") {
    if (!Number.isFinite(input)) return undefined;
    input = String(input);
  }
  const match = decimalPattern.exec(input.trim());
  if (!match) return undefined;
  const sign = match[1] ?? match[5] ?? "";
  const whole = match[2] ?? "0";
  const fraction = match[3] ?? match[6] ?? "";
  const exponent = Number(match[4] ?? match[7] ?? "0");
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 400) return undefined;
  let num = BigInt(`${whole}${fraction}` || "0");
  let den = 10n ** BigInt(fraction.length);
  if (exponent > 0) num *= 10n ** BigInt(exponent);
  else if (exponent < 0) den *= 10n ** BigInt(-exponent);
  if (sign === "-") num = -num;
  return { num, den };
}

/** floor(num / den) for any signs. */
export function floorDiv(num: bigint, den: bigint): bigint {
  const quotient = num / den;
  return num % den !== 0n && num < 0n !== den < 0n ? quotient - 1n : quotient;
}

/** A rational rounded half away from zero to `digits` decimals, as a plain decimal string. */
export function formatRational(value: Rational, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const scaled = value.num * scale * 2n;
  const den = value.den * 2n;
  const negative = scaled < 0n;
  const magnitude = negative ? -scaled : scaled;
  const rounded = (magnitude + value.den) / den;
  return formatScaled(negative ? -rounded : rounded, digits);
}

/** An integer count of 10^-digits units as a decimal string without trailing zeros: 104500n, 3 → "104.5". */
export function formatScaled(value: bigint, digits: number): string {
  const negative = value < 0n;
  const text = (negative ? -value : value).toString().padStart(digits + 1, "0");
  const whole = text.slice(0, text.length - digits);
  const fraction = text.slice(text.length - digits).replace(/0+$/, "");
  const body = fraction ? `${whole}.${fraction}` : whole;
  return negative && body !== "0" ? `-${body}` : body;
}

/** A float rounded to `digits` decimals, as a decimal string ("104.5234"); undefined when not finite. */
export function decimalFromNumber(value: number, digits: number): string | undefined {
  if (!Number.isFinite(value)) return undefined;
  const parsed = parseDecimal(value);
  return parsed ? formatRational(parsed, digits) : undefined;
}

/** The float value of a decimal string, for display and comparisons that do not reach a record. */
export function decimalToNumber(text: string): number {
  return Number(text);
}
