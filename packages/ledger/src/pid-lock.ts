// One writer per partition across processes: a lock file created with O_EXCL holding the writer's
// pid, host and (on Linux) when that process started. A lock left by a process that no longer
// exists is taken over; a live one is refused. The start time tells a reused pid from the holder:
// our own pid in a lock we do not hold (PID 1 of a container restarted after a kill), or another
// process's after a reboot. The coordinator's SQLite lock is taken the same way (tryLockFile).
import { closeSync, fsyncSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { LedgerLockedError } from "./backend.ts";
import { PRIVATE_FILE_MODE } from "./private-files.ts";

export interface LockHolder {
  pid: number;
  host: string;
  /** Boot id and start time of the holder (Linux); absent in locks older versions wrote. */
  started?: string;
}

let bootId: string | undefined;

/** `<boot id>:<start time in clock ticks>` of a process (Linux /proc), or undefined where unreadable. */
export function processStarted(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may itself hold spaces and parentheses: starttime is the 22nd.
    const ticks = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    bootId ??= readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    return ticks ? `${bootId}:${ticks}` : undefined;
  } catch {
    return undefined;
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const [pid, host, , started] = readFileSync(file, "utf8").split("\n");
    const n = Number(pid);
    if (!Number.isSafeInteger(n) || n <= 0 || host === undefined) return undefined;
    // A pid alone: the lock file of a coordinator before this format, always this host's.
    const where = host === "" ? hostname() : host;
    return started ? { pid: n, host: where, started } : { pid: n, host: where };
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

/** Whether the process a lock names still runs. Another host's cannot be checked: taken as running. */
export function holderRunning(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  if (!isProcessAlive(holder.pid)) return false;
  const now = processStarted(holder.pid);
  if (now === undefined) return true;
  // A lock without a start time was written by an older version: never by this process.
  if (holder.started === undefined) return holder.pid !== process.pid;
  return holder.started === now;
}

/** Why a lock file could not be taken: its holder (when readable) and a sentence naming the file. */
export interface LockRefusal {
  holder: LockHolder | undefined;
  reason: string;
}

/**
 * Takes `file` as a lock (0600: it names the process and host) and answers undefined once taken, or
 * why not when a live process holds it.
 */
export function tryLockFile(file: string): LockRefusal | undefined {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, "wx", PRIVATE_FILE_MODE);
      try {
        const started = processStarted(process.pid) ?? "";
        writeSync(fd, `${process.pid}\n${hostname()}\n${new Date().toISOString()}\n${started}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return undefined;
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
      if (age < 10_000) return { holder, reason: `lock file ${file} is being created by another process` };
    } else if (holder.host !== hostname()) {
      return { holder, reason: `process ${holder.pid} on host ${holder.host} holds ${file}` };
    } else if (holderRunning(holder)) {
      const who = holder.pid === process.pid ? "this process (another Ledger instance)" : `process ${holder.pid}`;
      return {
        holder,
        reason: `${who} holds ${file}: stop it first (a lock left by a process that has exited is taken over on its own)`,
      };
    }
    // The holder is gone: its lock is stale.
    try {
      unlinkSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  return { holder: undefined, reason: `could not take over the stale lock ${file}` };
}

/** Takes `file` as the lock of `partition`; throws LedgerLockedError if a live process holds it. */
export function acquirePidLock(file: string, partition: string): void {
  const refused = tryLockFile(file);
  if (refused) throw new LedgerLockedError(partition, refused.reason);
}

/** Removes the lock if it is still ours (our pid and host, and our start time where it says one). */
export function releasePidLock(file: string): void {
  const holder = readHolder(file);
  if (holder?.pid !== process.pid || holder.host !== hostname()) return;
  if (holder.started !== undefined && holder.started !== processStarted(process.pid)) return;
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
