// One coordinator process per SQLite database: its dispatcher and long-poll waiters live in memory,
// so a second process on the same file would hand out work the first cannot see. A lock file next
// to the database holds the owner's pid; a lock left by a dead process (SIGKILL, power loss) is
// taken over, a live one is refused.
import { readFileSync, rmSync, writeFileSync } from "node:fs";

export class DatabaseInUseError extends Error {
  constructor(path: string, pid: number) {
    super(`${path} is in use by another coordinator (pid ${pid}); stop it or use another --db`);
    this.name = "DatabaseInUseError";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function acquireProcessLock(databasePath: string): () => void {
  const lockPath = `${databasePath}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(lockPath, `${process.pid}\n`, { flag: "wx", mode: 0o600 });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(lockPath, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number.parseInt(readFileSync(lockPath, "utf8"), 10);
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) throw new DatabaseInUseError(databasePath, owner);
      rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`could not take the lock ${lockPath}`);
}

/**
 * Drops this process's lock on `databasePath` once the thread that held the writer is gone (the
 * engine thread died), so that a coordinator started again in this process can take it.
 */
export function releaseOwnProcessLock(databasePath: string): void {
  const lockPath = `${databasePath}.lock`;
  try {
    if (Number.parseInt(readFileSync(lockPath, "utf8"), 10) === process.pid) rmSync(lockPath, { force: true });
  } catch {
    // No lock file: nothing to release.
  }
}
