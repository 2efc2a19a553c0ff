// Why a cycle failed, as the loop's log names it. A full disk, a ledger database that cannot be
// reached (a PostgreSQL restart: cycles resume by themselves once it answers) or a ledger another
// controller holds is a known condition with nothing to debug: a code and a reason, no stack trace.
// Anything else is unexpected, and its stack is what a bug report needs.

import { isDatabaseUnavailable, isStorageFull } from "@pithead/http";
import { LedgerLockedError } from "@pithead/ledger";

export type CycleFailure =
  | { known: true; code: "STORAGE_FULL" | "LEDGER_IN_USE" | "DATABASE_UNAVAILABLE"; reason: string }
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
  if (isDatabaseUnavailable(error))
    return {
      known: true,
      code: "DATABASE_UNAVAILABLE",
      reason: `the ledger's database cannot be reached (${message}): cycles resume once it answers`,
    };
  return { known: false, code: "UNEXPECTED", reason: message };
}
