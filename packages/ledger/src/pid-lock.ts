// One writer per partition across processes: a lock file created with O_EXCL holding the writer's
// pid and host. A lock left by a process that no longer exists is taken over; a live one is refused.
import { closeSync, fsyncSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { LedgerLockedError } from "./backend.ts";

interface Holder {
  pid: number;
  host: string;
}

function readHolder(file: string): Holder | undefined {
  try {
    const [pid, host] = readFileSync(file, "utf8").split("\n");
    const n = Number(pid);
    return Number.isSafeInteger(n) && n > 0 && host ? { pid: n, host } : undefined;
  } catch {
    return undefined;
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes `file` as the lock of `partition`; throws LedgerLockedError if a live process holds it. */
export function acquirePidLock(file: string, partition: string): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o644);
      try {
        writeSync(fd, `${process.pid}\n${hostname()}\n${new Date().toISOString()}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readHolder(file);
    if (!holder) {
      // Empty or unreadable: another process may be writing it this instant; only a stale one is taken.
      let age = 0;
      try {
        age = Date.now() - statSync(file).mtimeMs;
      } catch {
        continue;
      }
      if (age < 10_000) throw new LedgerLockedError(partition, `lock file ${file} is being created by another process`);
    } else if (holder.host !== hostname()) {
      throw new LedgerLockedError(partition, `process ${holder.pid} on host ${holder.host} holds ${file}`);
    } else if (isProcessAlive(holder.pid)) {
      const who = holder.pid === process.pid ? "this process (another Ledger instance)" : `process ${holder.pid}`;
      throw new LedgerLockedError(
        partition,
        `${who} holds ${file}: stop it first (a lock left by a process that has exited is taken over on its own)`,
      );
    }
    // The holder is dead: its lock is stale.
    try {
      unlinkSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  throw new LedgerLockedError(partition, `could not take over the stale lock ${file}`);
}

/** Removes the lock if it is still ours. */
export function releasePidLock(file: string): void {
  const holder = readHolder(file);
  if (holder?.pid === process.pid && holder.host === hostname()) {
    try {
      unlinkSync(file);
    } catch {
      // already gone
    }
  }
}
