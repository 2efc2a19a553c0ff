// The exit codes of `pithead ledger …` (defined in output.ts), their help text, and the one mapping
// from a ledger library error to them. For a ledger: 1 it failed verification, 2 the command line is
// wrong (an option or value, or a file or partition it names that is not there), 3 the command could
// not run (no ledger there, a server unreachable or refusing, a locked store, a key it cannot use).
import type { RecordArchivedError } from "@pithead/ledger";
import { EXIT_CANNOT, EXIT_FAILED, EXIT_USAGE, errorMessage, fail } from "../output.ts";

export const EXIT_CODES_HELP = [
  "",
  "Exit codes: 0 done (verify: every partition verified); 1 verification failed (tampering or",
  "damage found; partitions: damage seen without verifying; show: a record missing or unreadable);",
  "2 the command line is wrong (also: a file an option names is not there, e.g. --key-file,",
  "--checkpoint, --secret-file, or an unknown --partition); 3 the command could not run (no ledger at",
  "the path or URL given: missing, a store with no partitions, a file that is no ledger; a server",
  "unreachable or refusing, a store locked by its writer, a key file that cannot be used, an",
  "--archive directory not there, records asked for that are archived). Errors go to",
  "stderr as one line, also with --json.",
  "",
].join("\n");

/** Which of the exit codes above a ledger library error means. */
export function exitCodeOf(error: unknown): number {
  const name = error instanceof Error ? error.name : "";
  if (name === "LedgerValueError" || name === "LedgerPartitionError") return EXIT_USAGE;
  if (name === "LedgerCorruptError") return EXIT_FAILED;
  return EXIT_CANNOT;
}

/** A ledger library error as this machine's operator reads it: an archived record's says where it was moved (servers do not). */
export function localMessage(error: unknown): string {
  if (error instanceof Error && error.name === "RecordArchivedError")
    return (error as RecordArchivedError).withArchive();
  return errorMessage(error);
}

/**
 * An action whose unexpected failure (a store unreadable mid-command: EACCES, a lost connection) is
 * one error line with the exit code it means, not a stack trace.
 */
export function guarded<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return (...args) => action(...args).catch(failWith);
}

/** Stops the command on a ledger library error: its local message and the exit code it means. */
export function failWith(error: unknown): never {
  return fail(localMessage(error), exitCodeOf(error));
}

/** A failure that stopped the command (see EXIT_CANNOT). */
export function cannot(message: string): never {
  return fail(message, EXIT_CANNOT);
}
