// Parsers of ledger command option values: a bad value is a command-line error (exit 2).
import { existsSync, statSync } from "node:fs";
import { EXIT_USAGE, fail } from "../output.ts";
import { cannot } from "./ledger-exit.ts";

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

/**
 * Each --archive names an existing directory. One that does not exist is most likely an unmounted
 * disk, not a typo: the command cannot run (exit 3); a file is a command-line error (exit 2).
 */
export function checkArchiveDirs(archives: readonly string[]): void {
  for (const archive of archives) {
    if (!existsSync(archive)) cannot(`--archive ${archive}: the archive directory does not exist (is it mounted?)`);
    if (!statSync(archive).isDirectory()) fail(`--archive ${archive} is not a directory`, EXIT_USAGE);
  }
}
