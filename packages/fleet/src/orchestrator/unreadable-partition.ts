// A partition the controller cannot read back at start: its state is the fold of those records,
// so it cannot run without them. The ledger library's own errors already name the partition, the
// damage and the command to run, and pass as they are; anything else a read throws (a parser's bare
// "Unexpected end of JSON input") is named here: which partition, which ledger, what to run.

import type { LedgerConfig } from "../config/load-config.ts";

/** An error of the ledger library (LedgerCorruptError, …): its message is written for the user. */
export function isLedgerError(error: unknown): boolean {
  return error instanceof Error && /^Ledger[A-Za-z]*Error$/.test(error.name);
}

export class UnreadablePartitionError extends Error {
  readonly partition: string;
  constructor(partition: string, operatorId: string, cause: unknown) {
    super(
      `partition ${partition} cannot be read back to rebuild operator '${operatorId}' (${cause instanceof Error ? cause.message : String(cause)}): the ledger may be damaged`,
      { cause },
    );
    this.name = "UnreadablePartitionError";
    this.partition = partition;
  }
}

/** Reads a partition for the start-up fold; a read error that is not the ledger's own is named. */
export async function* readBack<T>(
  records: AsyncIterable<T>,
  partition: string,
  operatorId: string,
): AsyncGenerator<T> {
  // Only the reading is wrapped: an error in the caller's loop body never enters this generator.
  try {
    yield* records;
  } catch (error) {
    throw isLedgerError(error) ? error : new UnreadablePartitionError(partition, operatorId, error);
  }
}

/** What to run to find the damage, for the ledger as configured. */
export function verifyCommand(ledger: LedgerConfig, partition: string): string {
  const target = ledger.store === "jsonl" ? ledger.dir : ledger.store === "sqlite" ? ledger.path : '"$LEDGER_URL"';
  return `npx pithead ledger verify ${target} --partition ${partition}`;
}

/** The start error: where the ledger is (`ledgerLocation`), what went wrong, what to run. */
export function unreadableAtStart(error: UnreadablePartitionError, ledger: LedgerConfig, where: string): Error {
  return new Error(`${where}: ${error.message}; run \`${verifyCommand(ledger, error.partition)}\` to see where`, {
    cause: error,
  });
}
