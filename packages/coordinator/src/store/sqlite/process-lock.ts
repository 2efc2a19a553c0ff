// One coordinator process per SQLite database: its dispatcher and long-poll waiters live in memory,
// so a second process on the same file would hand out work the first cannot see. A lock file next
// to the database names the owner (the ledger's lock file: pid, host, start time); a lock left by
// a process that is gone (SIGKILL, power loss, a container restarted with the same PID 1) is taken
// over, a live one is refused.
import { hostname } from "node:os";
import { releasePidLock, tryLockFile } from "@pithead/ledger";

export class DatabaseInUseError extends Error {
  constructor(path: string, holder: string) {
    super(`${path} is in use by another coordinator (${holder}); stop it or use another --db`);
    this.name = "DatabaseInUseError";
  }
}

export function acquireProcessLock(databasePath: string): () => void {
  const lockPath = `${databasePath}.lock`;
  const refused = tryLockFile(lockPath);
  if (refused) {
    const holder = refused.holder;
    if (!holder) throw new Error(`${databasePath}: ${refused.reason}`);
    const where = holder.host === hostname() ? "" : ` on host ${holder.host}`;
    throw new DatabaseInUseError(databasePath, `pid ${holder.pid}${where}`);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    releasePidLock(lockPath);
  };
}

/**
 * Drops this process's lock on `databasePath` once the thread that held the writer is gone (the
 * engine thread died), so that a coordinator started again in this process can take it.
 */
export function releaseOwnProcessLock(databasePath: string): void {
  releasePidLock(`${databasePath}.lock`);
}
