import { describe, expect, it } from "vitest";
import { AuthFailureCounter } from "./auth-failures.ts";

describe("wrong keys counted per address", () => {
  it("counts an address's misses in one window from its first, then starts again", () => {
    const counter = new AuthFailureCounter(60_000);
    expect(counter.record("10.0.0.1", 1_000)).toEqual({ count: 1, resetAt: 61_000 });
    expect(counter.record("10.0.0.1", 30_000)).toEqual({ count: 2, resetAt: 61_000 });
    expect(counter.record("10.0.0.2", 30_000)).toEqual({ count: 1, resetAt: 90_000 });
    expect(counter.record("10.0.0.1", 60_999)).toEqual({ count: 3, resetAt: 61_000 });
    expect(counter.record("10.0.0.1", 61_000)).toEqual({ count: 1, resetAt: 121_000 });
  });

  it("keeps a bounded table when addresses keep changing: expired windows go first, then the oldest", () => {
    const counter = new AuthFailureCounter(60_000, 3);
    counter.record("a", 0);
    counter.record("b", 50_000);
    counter.record("c", 50_000);
    counter.record("d", 70_000); // "a" has expired: swept
    expect(counter.size).toBe(3);
    expect(counter.record("b", 70_000).count).toBe(2);
    counter.record("e", 70_000); // none expired: the oldest ("b") goes
    expect(counter.size).toBe(3);
    expect(counter.record("b", 70_000).count).toBe(1);
  });
});
