// One controller per ledger: each operator's partition is claimed for writing when the fleet opens,
// not at its first write. A second controller started on the same data would otherwise start,
// say it is listening, and then fail every cycle and command; it is refused at start instead, with
// one line that names the data and the process holding it.

import { type Ledger, LedgerCorruptError, LedgerLockedError } from "@pithead/ledger";
import type { LedgerConfig } from "../config/load-config.ts";
import { partitionFor } from "./recorder.ts";

export class FleetLedgerInUseError extends Error {
  readonly partition: string;
  constructor(where: string, cause: LedgerLockedError) {
    super(`${where} is in use by another fleet controller — ${cause.message}`);
    this.name = "FleetLedgerInUseError";
    this.partition = cause.partition;
  }
}

/** Where the ledger lives, as an operator would look for it. */
export function ledgerLocation(ledger: LedgerConfig, dataDir: string): string {
  switch (ledger.store) {
    case "jsonl":
      return `the fleet ledger ${ledger.dir} (DATA_DIR ${dataDir})`;
    case "sqlite":
      return `the fleet ledger ${ledger.path} (DATA_DIR ${dataDir})`;
    default:
      return `the fleet ledger database ${redacted(ledger.url)}`;
  }
}

function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(LEDGER_URL)";
  }
}

/**
 * Takes every operator's writer lock now; throws FleetLedgerInUseError when one is held elsewhere.
 * With `spareDamaged` (several operators), a partition whose writer refuses it as damaged
 * (LedgerCorruptError) is returned, by operator id, rather than stopping every other operator.
 */
export async function claimLedger(
  ledger: Ledger,
  operatorIds: readonly string[],
  where: string,
  options: { spareDamaged?: boolean } = {},
): Promise<Map<string, Error>> {
  const damaged = new Map<string, Error>();
  for (const operatorId of operatorIds) {
    try {
      await ledger.openWriter(partitionFor(operatorId));
    } catch (error) {
      if (error instanceof LedgerLockedError) throw new FleetLedgerInUseError(where, error);
      if (options.spareDamaged && error instanceof LedgerCorruptError) {
        damaged.set(operatorId, error);
        continue;
      }
      throw error;
    }
  }
  return damaged;
}
