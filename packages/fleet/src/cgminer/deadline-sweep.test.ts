import { describe, expect, it } from "vitest";
import { type Deadline, DeadlineSweep } from "./deadline-sweep.ts";

/** A watcher that records when it expired, and may ask to be watched longer once. */
function watcher(deadline: number, extendTo?: number): Deadline & { expiredAt: number[] } {
  const entry = {
    deadline,
    expiredAt: [] as number[],
    expire(now: number) {
      entry.expiredAt.push(now);
      if (extendTo !== undefined && entry.deadline < extendTo) {
        entry.deadline = extendTo;
        return false;
      }
      return true;
    },
  };
  return entry;
}

describe("one timer for many deadlines", () => {
  it("expires exactly the entries that are due, and keeps the rest", () => {
    let now = 0;
    const sweep = new DeadlineSweep(() => now);
    const early = watcher(100);
    const late = watcher(500);
    sweep.add(early);
    sweep.add(late);
    now = 150;
    sweep.sweep();
    expect(early.expiredAt).toEqual([150]);
    expect(late.expiredAt).toEqual([]);
    expect(sweep.size).toBe(1);
    now = 500;
    sweep.sweep();
    expect(late.expiredAt).toEqual([500]);
    expect(sweep.size).toBe(0);
  });

  it("keeps watching an entry that moved its deadline on (connected: now the total deadline)", () => {
    let now = 0;
    const sweep = new DeadlineSweep(() => now);
    const entry = watcher(100, 300);
    sweep.add(entry);
    now = 100;
    sweep.sweep();
    expect(sweep.size).toBe(1);
    now = 299;
    sweep.sweep();
    expect(entry.expiredAt).toEqual([100]);
    now = 300;
    sweep.sweep();
    expect(entry.expiredAt).toEqual([100, 300]);
    expect(sweep.size).toBe(0);
  });

  it("forgets a removed entry: a finished exchange is never expired", () => {
    let now = 0;
    const sweep = new DeadlineSweep(() => now);
    const entry = watcher(100);
    sweep.add(entry);
    sweep.remove(entry);
    now = 1_000;
    sweep.sweep();
    expect(entry.expiredAt).toEqual([]);
    expect(sweep.size).toBe(0);
  });

  it("fires on its own at the earliest deadline (real timer)", async () => {
    const sweep = new DeadlineSweep();
    const expired = await new Promise<number>((resolve) => {
      const started = performance.now();
      const expire = (now: number) => {
        resolve(now - started);
        return true;
      };
      sweep.add({ deadline: started + 30, expire });
      sweep.add(watcher(started + 60_000)); // a far one must not hold the near one back
    });
    expect(expired).toBeGreaterThanOrEqual(30);
    expect(sweep.size).toBe(1);
  });
});
