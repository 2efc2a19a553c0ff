// Which outbox entries wait to be delivered and when the others were settled, kept in memory so
// that a delivery pass, a heartbeat or a prune never reads a settled result.json: the cost per
// job stays flat however much history WORK_DIR holds. It is built by one pass over WORK_DIR
// and kept up to date by every write; the files stay the truth (a restart rebuilds it).

export interface IndexedEntry {
  job_id: string;
  state: "pending" | "acked" | "rejected";
  settled_at: string | null;
}

export class OutboxIndex {
  /** Jobs whose result waits to be delivered. */
  readonly pending = new Set<string>();
  /** Settled jobs → when they were settled (epoch ms). */
  readonly #settled = new Map<string, number>();

  get settledCount(): number {
    return this.#settled.size;
  }

  /** Files an entry as it now stands on disk. */
  track(entry: IndexedEntry): void {
    this.forget(entry.job_id);
    if (entry.state === "pending") {
      this.pending.add(entry.job_id);
      return;
    }
    const settledAt = entry.settled_at === null ? Number.NaN : Date.parse(entry.settled_at);
    // Without a readable settled time its age is unknown: kept, as retention could not judge it.
    if (Number.isFinite(settledAt)) this.#settled.set(entry.job_id, settledAt);
  }

  forget(jobId: string): void {
    this.pending.delete(jobId);
    this.#settled.delete(jobId);
  }

  /**
   * A settled job's directory is in use again (the job came back to this miner): retention leaves
   * it alone until a new result for it is settled.
   */
  reuse(jobId: string): void {
    this.#settled.delete(jobId);
  }

  /** Settled jobs at least `maxAgeMs` old at `now`: what retention removes. Never a pending one. */
  expired(now: number, maxAgeMs: number): string[] {
    return [...this.#settled.keys()].filter((jobId) => this.isExpired(jobId, now, maxAgeMs));
  }

  /** Whether retention may remove this job's directory now (it may have come back since expired()). */
  isExpired(jobId: string, now: number, maxAgeMs: number): boolean {
    const settledAt = this.#settled.get(jobId);
    return settledAt !== undefined && now - settledAt >= maxAgeMs;
  }
}
