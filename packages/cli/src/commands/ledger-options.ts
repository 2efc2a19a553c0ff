// Parsers of ledger command option values: a bad value is a command-line error (exit 2).
import { EXIT_USAGE, fail } from "../output.ts";

export function wholeNumber(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed))
      fail(`${name} must be a whole number, got '${value}'`, EXIT_USAGE);
    return parsed;
  };
}

/** A repeatable option: each value is added to the list. */
export function collectOption(value: string, previous: string[]): string[] {
  return [...previous, value];
}
