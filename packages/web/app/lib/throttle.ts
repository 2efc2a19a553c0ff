// Runs something at most every `gapMs` however often it is asked for, and never later than that
// while requests keep coming: a debounce (wait for a quiet moment) would never run under steady
// traffic. `settleMs` lets a burst that arrives together count as one request.

export interface Timers {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface Throttle {
  /** Asks for a run: within max(settleMs, what is left of gapMs since the last run). */
  poke(): void;
  cancel(): void;
}

export function createThrottle(
  run: () => void,
  { gapMs, settleMs }: { gapMs: number; settleMs: number },
  timers: Timers = realTimers,
): Throttle {
  let last = Number.NEGATIVE_INFINITY;
  let timer: unknown;
  return {
    poke() {
      if (timer !== undefined) return;
      const wait = Math.max(settleMs, last + gapMs - timers.now());
      timer = timers.setTimeout(() => {
        timer = undefined;
        last = timers.now();
        run();
      }, wait);
    },
    cancel() {
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
    },
  };
}
