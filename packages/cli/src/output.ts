// One way to print a command's result: JSON on stdout for scripts (`--json`), text for people.

export function printResult(json: boolean, value: unknown, text: () => string): void {
  if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else process.stdout.write(`${text()}\n`);
}

/** Prints a clear one-line error (never a stack trace) and sets a failing exit code. */
export function fail(message: string, code = 1): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}

/** The text of a thrown value, for an error line. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
