// Cycles that take longer than the poll interval. The loop then starts the next cycle as soon as
// one ends (loop-runner.ts times each from the start of the last), so the miners are polled back to
// back and the interval the operator set is not the one in force. Worth one warning, not one per
// cycle: the first overrun is said at once, later ones summed up at most every ten minutes.

/** At most one warning per this long. */
const OVERRUN_WARNING_EVERY_MS = 10 * 60_000;

export interface Overrun {
  message: string;
  fields: { intervalMs: number; overruns: number; cycles: number; longestMs: number };
}

export class OverrunWatch {
  private readonly intervalMs: number;
  /** Since the last warning (or the start). */
  private cycles = 0;
  private overruns = 0;
  private longestMs = 0;
  private warnedAtMs: number | undefined;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /** One cycle's duration; the warning to log now, if one is due. */
  observe(totalMs: number, nowMs: number): Overrun | undefined {
    this.cycles++;
    if (!(totalMs > this.intervalMs)) return undefined;
    this.overruns++;
    this.longestMs = Math.max(this.longestMs, totalMs);
    if (this.warnedAtMs !== undefined && nowMs - this.warnedAtMs < OVERRUN_WARNING_EVERY_MS) return undefined;
    const first = this.warnedAtMs === undefined;
    const overrun: Overrun = {
      message: first
        ? `a cycle took ${Math.round(totalMs)} ms, longer than POLL_INTERVAL_MS (${this.intervalMs} ms): the next one starts as soon as it ends, so the miners are polled back to back; raise POLL_INTERVAL_MS (or lower CGMINER_TIMEOUT_MS if slow miners hold the poll)`
        : `cycles still take longer than POLL_INTERVAL_MS (${this.intervalMs} ms): ${this.overruns} of the last ${this.cycles} cycles, the longest ${Math.round(this.longestMs)} ms`,
      fields: {
        intervalMs: this.intervalMs,
        overruns: this.overruns,
        cycles: this.cycles,
        longestMs: Math.round(this.longestMs),
      },
    };
    this.warnedAtMs = nowMs;
    this.cycles = 0;
    this.overruns = 0;
    this.longestMs = 0;
    return overrun;
  }
}
