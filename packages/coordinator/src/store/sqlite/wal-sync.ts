// Group commit with the fsync off the engine's critical path. The writer commits with
// synchronous=NORMAL (WAL mode: COMMIT writes the transaction's frames to the -wal file and makes
// them visible, but does not fsync), and this class fsyncs the -wal file on libuv's thread pool
// while the engine runs the next batch. A commit is durable once an fsync that started after its
// COMMIT returned has finished: fsync flushes every page of the file written before it was called,
// whichever descriptor wrote it. Until then nothing of that commit leaves the process: its answers
// and events wait (GroupCommit), the HTTP thread's reads wait (read-gate.ts), and so does a ledger
// checkpoint (GroupCommit.exclusive).
//
// Why this one fsync is as good as synchronous=FULL, at every point of a crash (README, "Durability"):
//  - SQLite writes and fsyncs the WAL header before the first frame of a new or restarted WAL, with
//    NORMAL too, so the frames we fsync are found again on recovery.
//  - SQLite overwrites frames (restarts the WAL) only once every frame in it was copied into the
//    database file and that file was fsynced (a checkpoint sets nBackfill after its fsync; a restart
//    needs nBackfill = mxFrame). A commit whose frames were overwritten before our fsync ran is
//    durable in the database file already. The checkpoint thread only ever adds such fsyncs.
//  - Recovery replays the longest prefix of valid commits (checksummed, chained frames): commits after
//    an acknowledged one may be lost, never one before it, since each fsync covers all earlier writes.
//  - The -wal file keeps its inode while the writer connection is open (SQLite deletes it only when
//    the last connection closes, and truncates rather than recreates it). After every fsync we check
//    that the file we hold is still linked; if not, or if an fsync fails (the kernel may have dropped
//    the pages it could not write, so a later fsync could succeed without them), durability is lost
//    for good: every waiting commit fails, and so does every later one.
import { closeSync, fstatSync, fsync, openSync } from "node:fs";

/** Slots of the counters shared with the HTTP thread (see ReadGate). */
export const COMMITS_STARTED = 0;
export const COMMITS_DURABLE = 1;

/** An Int32Array over a SharedArrayBuffer: [COMMITS_STARTED, COMMITS_DURABLE]. */
export function durabilityCounters(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
}

export interface WalSyncOptions {
  /** Shared with the HTTP thread's ReadGate: commits started and commits durable are counted there. */
  counters?: Int32Array;
  /** Called once, when durability is lost for good (an fsync failed, the file went away). */
  onFailure?: (error: Error) => void;
  /** Test seam: how the file is flushed (default fs.fsync, on libuv's thread pool). */
  fsync?: (fd: number, done: (error: Error | null) => void) => void;
}

export class WalSyncError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "WalSyncError";
  }
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class WalSync {
  readonly #walPath: string;
  readonly #counters: Int32Array;
  readonly #onFailure: (error: Error) => void;
  readonly #fsync: NonNullable<WalSyncOptions["fsync"]>;
  #fd: number | undefined;
  /** Commits the running fsync covers. */
  #syncing: Waiter[] = [];
  /** Commits made since it started: the next fsync covers them. */
  #next: Waiter[] = [];
  #running = false;
  #failure: Error | undefined;
  /** Waiting for an fsync to take #next (ready()). */
  #ready: (() => void)[] = [];
  /** Waiting for every commit to be durable (drained()). */
  #idle: (() => void)[] = [];

  constructor(walPath: string, options: WalSyncOptions = {}) {
    this.#walPath = walPath;
    this.#counters = options.counters ?? durabilityCounters();
    this.#onFailure = options.onFailure ?? (() => {});
    this.#fsync = options.fsync ?? fsync;
  }

  /** Set once durability is lost: nothing committed from then on may be acknowledged. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Call just before COMMIT: from now on readers may see this commit. */
  committing(): void {
    Atomics.add(this.#counters, COMMITS_STARTED, 1);
  }

  /**
   * Call once COMMIT returned (after a failed COMMIT too: the fsync then only moves the durable
   * count past it). Resolves when the commit is durable.
   */
  committed(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    const durable = new Promise<void>((resolve, reject) => this.#next.push({ resolve, reject }));
    if (!this.#running) this.#start();
    return durable;
  }

  /**
   * Undefined when no commit waits for an fsync to start; else resolves once one has started for
   * them (the engine then runs its next batch alongside that fsync).
   */
  ready(): Promise<void> | undefined {
    if (this.#next.length === 0) return undefined;
    return new Promise((resolve) => this.#ready.push(resolve));
  }

  /** Resolves once every commit so far is durable (or durability was lost). */
  drained(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Waits for the fsyncs in flight, then lets the file go. */
  async close(): Promise<void> {
    await this.drained();
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #start(): void {
    // No COMMIT runs while we are here (one writer, on this thread): every commit counted so far
    // returned before this fsync starts.
    const covered = Atomics.load(this.#counters, COMMITS_STARTED);
    this.#syncing = this.#next;
    this.#next = [];
    this.#running = true;
    for (const resolve of this.#ready.splice(0)) resolve();
    let fd: number;
    try {
      // Opened at the first commit, when the -wal file surely exists; kept until close.
      fd = this.#fd ??= openSync(this.#walPath, "r");
    } catch (error) {
      this.#fail(new WalSyncError(`cannot open ${this.#walPath} to fsync it`, { cause: error }));
      return;
    }
    this.#fsync(fd, (error) => {
      if (error) {
        this.#fail(new WalSyncError(`fsync of ${this.#walPath} failed: commits since may be lost`, { cause: error }));
        return;
      }
      if (fstatSync(fd).nlink === 0) {
        this.#fail(new WalSyncError(`${this.#walPath} was removed while the coordinator was writing to it`));
        return;
      }
      Atomics.store(this.#counters, COMMITS_DURABLE, covered);
      Atomics.notify(this.#counters, COMMITS_DURABLE);
      for (const waiter of this.#syncing.splice(0)) waiter.resolve();
      if (this.#next.length > 0) this.#start();
      else this.#finish();
    });
  }

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    for (const waiter of [...this.#syncing.splice(0), ...this.#next.splice(0)]) waiter.reject(error);
    for (const resolve of this.#ready.splice(0)) resolve();
    this.#finish();
    this.#onFailure(error);
  }

  #finish(): void {
    this.#running = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
