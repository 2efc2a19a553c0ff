// Why a cycle failed, as the loop's log names it. A full disk or a ledger another controller holds
// is a known condition with nothing to debug: it gets a code and a reason, never a stack trace.
// Anything else is unexpected, and its stack is what a bug report needs.

import { LedgerLockedError } from "@pithead/ledger";

export type CycleFailure =
  | { known: true; code: "STORAGE_FULL" | "LEDGER_IN_USE"; reason: string }
  | { known: false; code: "UNEXPECTED"; reason: string };

/** ENOSPC / EDQUOT from the file system, SQLite's SQLITE_FULL (13), PostgreSQL's disk_full (53100). */
function isStorageFull(error: { code?: unknown; errcode?: unknown; message?: unknown }): boolean {
  if (error.code === "ENOSPC" || error.code === "EDQUOT" || error.code === "53100" || error.errcode === 13) return true;
  return typeof error.message === "string" && /database or disk is full|no space left on device/i.test(error.message);
}

export function cycleFailure(error: unknown): CycleFailure {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof LedgerLockedError)
    return { known: true, code: "LEDGER_IN_USE", reason: `another process writes this operator's ledger: ${message}` };
  if (typeof error === "object" && error !== null && isStorageFull(error))
    return {
      known: true,
      code: "STORAGE_FULL",
      reason: `the disk holding the ledger is full (${message}): no cycle can be recorded until space is freed`,
    };
  return { known: false, code: "UNEXPECTED", reason: message };
}
