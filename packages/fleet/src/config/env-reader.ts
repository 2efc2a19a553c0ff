// Typed reads of configuration values that collect every problem, each naming its key, so a
// bad configuration fails at start with the full list instead of one error at a time.

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid fleet configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

export class Problems {
  readonly list: string[] = [];
  add(key: string, problem: string): void {
    const line = `${key}: ${problem}`;
    if (!this.list.includes(line)) this.list.push(line);
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new ConfigError(this.list);
  }
}

export type Source = Record<string, unknown>;

function present(value: unknown): boolean {
  return value !== undefined && value !== null && !(typeof value === "string" && value.trim() === "");
}

export function text(
  source: Source,
  key: string,
  label: string,
  problems: Problems,
  fallback?: string,
): string | undefined {
  const value = source[key];
  if (!present(value)) return fallback;
  if (typeof value !== "string" && typeof value !== "number") {
    problems.add(label, `must be a string, got ${JSON.stringify(value)}`);
    return fallback;
  }
  return String(value).trim();
}

/** A number as people write one in a settings file: digits, one optional dot, an optional sign. */
const plainDecimal = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * Why a setting's text is not a plain decimal number, or undefined when it is. JavaScript's
 * Number() reads "0x10" as 16, "1e3" as 1000 and "" as 0: a typo or a unit mix-up would pass.
 */
export function decimalProblem(text: string): string | undefined {
  const trimmed = text.trim();
  if (plainDecimal.test(trimmed)) return undefined;
  const got = JSON.stringify(text);
  if (/^[+-]?\d+,\d+$/.test(trimmed)) return `must be a decimal number with a dot (0.05, not 0,05), got ${got}`;
  if (/^[+-]?0[xob]/i.test(trimmed))
    return `must be a decimal number (hexadecimal, octal and binary are not read), got ${got}`;
  if (/^[+-]?(?:\d+\.?\d*|\.\d+)e[+-]?\d+$/i.test(trimmed))
    return `must be a plain decimal number (exponent forms such as 1e3 are not read), got ${got}`;
  return `must be a number, got ${got}`;
}

export function number(
  source: Source,
  key: string,
  label: string,
  problems: Problems,
  fallback: number,
  rule: { min?: number; max?: number; integer?: boolean; hint?: string } = {},
): number {
  const value = source[key];
  if (!present(value)) return fallback;
  if (typeof value === "string") {
    const problem = decimalProblem(value);
    if (problem) {
      problems.add(label, problem);
      return fallback;
    }
  }
  const parsed = typeof value === "number" ? value : typeof value === "string" ? Number(value.trim()) : Number.NaN;
  if (!Number.isFinite(parsed)) {
    problems.add(label, `must be a number, got ${JSON.stringify(value)}`);
    return fallback;
  }
  const hint = rule.hint ? ` (${rule.hint})` : "";
  if (rule.integer && !Number.isInteger(parsed)) problems.add(label, `must be a whole number, got ${parsed}`);
  else if (rule.min !== undefined && parsed < rule.min)
    problems.add(label, `must be at least ${rule.min}${hint}, got ${parsed}`);
  else if (rule.max !== undefined && parsed > rule.max)
    problems.add(label, `must be at most ${rule.max}${hint}, got ${parsed}`);
  return parsed;
}

export function boolean(source: Source, key: string, label: string, problems: Problems, fallback: boolean): boolean {
  const value = source[key];
  if (!present(value)) return fallback;
  if (typeof value === "boolean") return value;
  const lowered = String(value).trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(lowered)) return true;
  if (["false", "0", "no", "off"].includes(lowered)) return false;
  problems.add(label, `must be true or false, got ${JSON.stringify(value)}`);
  return fallback;
}

export function oneOf<T extends string>(
  source: Source,
  key: string,
  label: string,
  problems: Problems,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = source[key];
  if (!present(value)) return fallback;
  const upper = String(value).trim();
  const match = allowed.find((candidate) => candidate.toLowerCase() === upper.toLowerCase());
  if (!match) {
    problems.add(label, `must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
    return fallback;
  }
  return match;
}
