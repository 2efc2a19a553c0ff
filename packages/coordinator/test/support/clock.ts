// A clock tests step by hand: no sleeps, no wall-clock assertions.
export interface ManualClock {
  (): number;
  advance(ms: number): number;
  set(ms: number): void;
}

export function manualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let now = start;
  const clock = (() => now) as ManualClock;
  clock.advance = (ms) => {
    now += ms;
    return now;
  };
  clock.set = (ms) => {
    now = ms;
  };
  return clock;
}
