// Group commit: appends that arrive while a commit is being prepared or flushed are written by the
// next commit together, so N concurrent appenders share one write + fsync (or one transaction).
// The first append of a group waits one event-loop turn (setImmediate) so that appends issued in
// the same turn join it.
import type { PreparedEntry } from "./entry.ts";
import type { StoredRecord } from "./record.ts";

interface Waiter {
  entries: readonly PreparedEntry[];
  resolve(records: StoredRecord[]): void;
  reject(error: unknown): void;
}

/**
 * Captured when the module loads: a service's tests that install fake timers (which replace
 * setImmediate) must not stall the ledger's commits.
 */
export const nextTurn: (callback: () => void) => void = globalThis.setImmediate;

/** Bounds one commit so a burst cannot build an unbounded write or transaction. */
const MAX_GROUP_ENTRIES = 4096;

export class GroupCommit {
  private waiting: Waiter[] = [];
  private running = false;
  private scheduled = false;
  private idle: (() => void)[] = [];
  private readonly commit: (entries: readonly PreparedEntry[]) => Promise<StoredRecord[]>;

  constructor(commit: (entries: readonly PreparedEntry[]) => Promise<StoredRecord[]>) {
    this.commit = commit;
  }

  submit(entries: readonly PreparedEntry[]): Promise<StoredRecord[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ entries, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once nothing is queued or being written. */
  drained(): Promise<void> {
    if (!this.running && !this.scheduled && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    nextTurn(() => void this.drain());
  }

  private take(): Waiter[] {
    let count = 0;
    let n = 0;
    while (n < this.waiting.length && (n === 0 || count + this.waiting[n]!.entries.length <= MAX_GROUP_ENTRIES)) {
      count += this.waiting[n]!.entries.length;
      n++;
    }
    return this.waiting.splice(0, n);
  }

  private async drain(): Promise<void> {
    this.scheduled = false;
    this.running = true;
    const group = this.take();
    try {
      const records = await this.commit(group.flatMap((w) => w.entries));
      let at = 0;
      for (const waiter of group) {
        waiter.resolve(records.slice(at, at + waiter.entries.length));
        at += waiter.entries.length;
      }
    } catch (error) {
      for (const waiter of group) waiter.reject(error);
    } finally {
      this.running = false;
      if (this.waiting.length > 0) this.schedule();
      else for (const resolve of this.idle.splice(0)) resolve();
    }
  }
}
