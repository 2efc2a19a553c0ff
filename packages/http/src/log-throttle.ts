// One fact that can repeat many times a second (every request answered 503 during an outage, every
// pool connection lost) is logged the first time, then at most once per `everyMs`, with how many
// repeats were left out since the line before.

export interface LogThrottleOptions {
  everyMs: number;
  now?: () => number;
}

export class LogThrottle {
  readonly #everyMs: number;
  readonly #now: () => number;
  #lastLoggedAt: number | null = null;
  #suppressed = 0;

  constructor(options: LogThrottleOptions) {
    this.#everyMs = options.everyMs;
    this.#now = options.now ?? Date.now;
  }

  /** Undefined: leave this one out. A number: log now, saying that many were left out before it. */
  take(): number | undefined {
    const now = this.#now();
    if (this.#lastLoggedAt !== null && now - this.#lastLoggedAt < this.#everyMs) {
      this.#suppressed++;
      return undefined;
    }
    const suppressed = this.#suppressed;
    this.#lastLoggedAt = now;
    this.#suppressed = 0;
    return suppressed;
  }
}
