import { describe, expect, it } from "vitest";
import { createAuthFailureLimiter } from "../src/auth-failures.ts";

describe("the budget of failed authentications", () => {
  it("lets an address try again once its window has passed", () => {
    let now = 1_000;
    const limiter = createAuthFailureLimiter({ max: 2, windowMs: 60_000, now: () => now });
    limiter.failed("10.0.0.1", undefined);
    expect(limiter.waitMs("10.0.0.1", undefined)).toBe(0);
    now += 10_000;
    limiter.failed("10.0.0.1", undefined);
    expect(limiter.waitMs("10.0.0.1", undefined)).toBe(50_000);
    expect(limiter.waitMs("10.0.0.2", undefined)).toBe(0);
    now += 50_000;
    expect(limiter.waitMs("10.0.0.1", undefined)).toBe(0);
    // A new window, counted from the next failure.
    limiter.failed("10.0.0.1", undefined);
    expect(limiter.waitMs("10.0.0.1", undefined)).toBe(0);
  });

  it("still looks up a key that authenticated recently, until it fails once (revoked)", () => {
    const limiter = createAuthFailureLimiter({ max: 1, windowMs: 60_000, now: () => 0 });
    limiter.succeeded("digest-of-a-valid-key");
    limiter.failed("10.0.0.1", undefined);
    expect(limiter.waitMs("10.0.0.1", "digest-of-a-valid-key")).toBe(0);
    expect(limiter.waitMs("10.0.0.1", "digest-of-another-key")).toBe(60_000);
    limiter.failed("10.0.0.1", "digest-of-a-valid-key");
    expect(limiter.waitMs("10.0.0.1", "digest-of-a-valid-key")).toBe(60_000);
  });

  it("says once per window that an address is refused, so a flood is logged once", () => {
    let now = 0;
    const limiter = createAuthFailureLimiter({ max: 1, windowMs: 60_000, now: () => now });
    expect(limiter.firstRefusal("10.0.0.1")).toBe(false); // nothing counted yet
    limiter.failed("10.0.0.1", undefined);
    expect(limiter.firstRefusal("10.0.0.1")).toBe(true);
    expect(limiter.firstRefusal("10.0.0.1")).toBe(false);
    expect(limiter.firstRefusal("10.0.0.2")).toBe(false);
    now += 60_000;
    limiter.failed("10.0.0.1", undefined); // a new window
    expect(limiter.firstRefusal("10.0.0.1")).toBe(true);
  });
});
