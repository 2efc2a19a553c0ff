// One miner per WORK_DIR. Two on one outbox each send a complete job list in their heartbeats that
// lacks the other's jobs, so the coordinator takes back each other's leases (their jobs cut with
// LEASE_EXPIRED), and both deliver the same results. WORK_DIR/miner.lock names the owner (the
// ledger's lock file, as the coordinator's SQLite lock uses it: pid, host, start time); a lock left
// by a miner that is gone (SIGKILL, power loss, a container restarted with the same pid) is taken
// over, a live one is refused.

import { hostname } from "node:os";
import { join } from "node:path";
import { makeDirsReporting, releasePidLock, tryLockFile } from "@pithead/ledger";

export const WORK_DIR_LOCK = "miner.lock";

export class WorkDirInUseError extends Error {
  /** The pid of the miner holding WORK_DIR, when its lock file says. */
  readonly pid: number | undefined;
  constructor(message: string, pid: number | undefined) {
    super(message);
    this.name = "WorkDirInUseError";
    this.pid = pid;
  }
}

/** Takes WORK_DIR for this process (creating it, mode 700); returns the release. Throws WorkDirInUseError. */
export function lockWorkDir(workDir: string): () => void {
  // Not Node's recursive mkdir: under /proc it loops forever, deaf to SIGTERM.
  makeDirsReporting(workDir);
  const file = join(workDir, WORK_DIR_LOCK);
  const refused = tryLockFile(file);
  if (refused) {
    const holder = refused.holder;
    if (!holder) throw new WorkDirInUseError(`WORK_DIR ${workDir}: ${refused.reason}`, undefined);
    const where = holder.host === hostname() ? "" : ` on host ${holder.host}`;
    throw new WorkDirInUseError(
      `WORK_DIR ${workDir} is in use by another miner (pid ${holder.pid}${where}, lock file ${file}): stop it, or give this miner a WORK_DIR of its own`,
      holder.pid,
    );
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    releasePidLock(file);
  };
}
