// An operator whose ledger partition cannot be read back at start, set apart so the others run.
// Its state is the fold of those records: without them nothing it would decide can be trusted, so
// it runs no cycles and its routes answer 503 saying what is damaged and what to run.

import type { LedgerConfig } from "../config/load-config.ts";
import type { OperatorConfig } from "../config/types.ts";
import { isLedgerError, UnreadablePartitionError, verifyCommand } from "./unreadable-partition.ts";

export interface QuarantinedOperator {
  operator: Pick<OperatorConfig, "id" | "label" | "secret">;
  partition: string;
  /** What the read found, as the ledger library or the reader said it. */
  damage: string;
  /** The command that shows where the damage is. */
  verify: string;
}

/**
 * The quarantine entry for an operator whose start failed with `error`, or undefined when the
 * error is not a damaged partition (a locked ledger, a bug: those still stop the start).
 */
export function quarantineFor(
  operator: OperatorConfig,
  error: unknown,
  ledger: LedgerConfig,
): QuarantinedOperator | undefined {
  const partition =
    error instanceof UnreadablePartitionError
      ? error.partition
      : isLedgerError(error) && (error as Error).name === "LedgerCorruptError"
        ? (error as Error & { partition: string }).partition
        : undefined;
  if (partition === undefined) return undefined;
  return {
    operator: { id: operator.id, label: operator.label, secret: operator.secret },
    partition,
    damage: (error as Error).message,
    verify: verifyCommand(ledger, partition),
  };
}
