// Why a cycle failed, as the loop's log names it. A full disk or a ledger another controller holds
// is a known condition with nothing to debug: it gets a code and a reason, never a stack trace.
// Anything else is unexpected, and its stack is what a bug report needs.

import { isStorageFull } from "@pithead/http";
import { LedgerLockedError } from "@pithead/ledger";

export type CycleFailure =
  | { known: true; code: "STORAGE_FULL" | "LEDGER_IN_USE"; reason: string }
  | { known: false; code: "UNEXPECTED"; reason: string };

export function cycleFailure(error: unknown): CycleFailure {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof LedgerLockedError)
    return { known: true, code: "LEDGER_IN_USE", reason: `another process writes this operator's ledger: ${message}` };
  if (isStorageFull(error))
    return {
      known: true,
      code: "STORAGE_FULL",
      reason: `the disk holding the ledger is full (${message}): no cycle can be recorded until space is freed`,
    };
  return { known: false, code: "UNEXPECTED", reason: message };
}
