// One way to print a command's result: JSON on stdout for scripts (`--json`), text for people.

export function printResult(json: boolean, value: unknown, text: () => string): void {
  if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else process.stdout.write(`${text()}\n`);
}

// Exit statuses beyond 0: every command uses 1 and 2 (see EXIT_STATUS_HELP in program.ts); the verify
// commands (ledger, receipt) also tell "could not run" (3) from "verification failed" (1), so that a
// cron job tells tampering from an outage.
/** The command ran and failed; for a verify command: verification failed (tampering or damage found). */
export const EXIT_FAILED = 1;
/** The command line is wrong: an option or its value, options that do not go together. */
export const EXIT_USAGE = 2;
/** A verify command could not run: what it checks is not there or unreadable, a server unreachable or refusing. */
export const EXIT_CANNOT = 3;

/** Prints a clear one-line error (never a stack trace) and sets a failing exit code. */
export function fail(message: string, code = 1): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}

/** The text of a thrown value, for an error line. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A count and its noun: `1 record`, `2 records`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
