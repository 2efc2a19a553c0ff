// One timer for many deadlines. A poll of a large fleet has hundreds of exchanges in flight, each
// with a connect and a total deadline; arming and clearing two timers per connection costs more
// than scanning the in-flight set once whenever the earliest deadline comes due.

export interface Deadline {
  /** performance.now() time at which expire() is called; the watcher may move it. */
  deadline: number;
  /** Called at or after the deadline; true when the watcher is done (it is then forgotten). */
  expire(now: number): boolean;
}

export class DeadlineSweep {
  private readonly watched = new Set<Deadline>();
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  private readonly now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.now = now;
  }

  get size(): number {
    return this.watched.size;
  }

  /** Watches a deadline (call again after moving it earlier). */
  add(entry: Deadline): void {
    this.watched.add(entry);
    if (entry.deadline < this.armedFor) this.arm(entry.deadline);
  }

  remove(entry: Deadline): void {
    if (!this.watched.delete(entry) || this.watched.size > 0) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
  }

  /** Expires everything due at `now` and arms the timer for the next deadline. */
  sweep(now = this.now()): void {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    let next = Number.POSITIVE_INFINITY;
    for (const entry of this.watched) {
      if (entry.deadline <= now && entry.expire(now)) this.watched.delete(entry);
      else if (entry.deadline < next) next = entry.deadline;
    }
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = setTimeout(() => this.sweep(), Math.max(0, Math.ceil(at - this.now())));
    // The sockets being watched keep the process alive; the timer alone should not.
    this.timer.unref();
  }
}
