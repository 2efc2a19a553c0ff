import { describe, expect, it } from "vitest";
import { attemptsExhausted, liveState, newLease, renewedExpiry } from "./job-life.ts";
import type { Assignment } from "./model.ts";
import { nextReputation } from "./reputation.ts";

describe("leases", () => {
  it("runs for the TTL but never past max_runtime_s", () => {
    expect(newLease(1_000, { maxRuntimeS: 600 }, 120)).toEqual({ expiresAt: 121_000, capAt: 601_000 });
    expect(newLease(1_000, { maxRuntimeS: 30 }, 120)).toEqual({ expiresAt: 31_000, capAt: 31_000 });
    expect(renewedExpiry({ leaseCapAt: 601_000 }, 500_000, 120)).toBe(601_000);
    expect(renewedExpiry({ leaseCapAt: 601_000 }, 100_000, 120)).toBe(220_000);
  });

  it("derives the live state from the replicas", () => {
    const states = (...list: Assignment["state"][]) => list.map((state) => ({ state }));
    expect(liveState(states())).toBe("QUEUED");
    expect(liveState(states("EXPIRED", "FAILED"))).toBe("QUEUED");
    expect(liveState(states("LEASED", "EXPIRED"))).toBe("LEASED");
    expect(liveState(states("LEASED", "PROVED"))).toBe("VERIFYING");
  });

  it("gives up after max_attempts lost leases per replica", () => {
    expect(attemptsExhausted({ leasesLost: 2, maxAttempts: 3, replicas: 1 })).toBe(false);
    expect(attemptsExhausted({ leasesLost: 3, maxAttempts: 3, replicas: 1 })).toBe(true);
    expect(attemptsExhausted({ leasesLost: 5, maxAttempts: 2, replicas: 3 })).toBe(false);
  });
});

describe("reputation", () => {
  it("moves by the documented steps and stays within 0..1000", () => {
    expect(nextReputation(500, "agreed")).toBe(510);
    expect(nextReputation(500, "disagreed")).toBe(450);
    expect(nextReputation(995, "agreed")).toBe(1000);
    expect(nextReputation(20, "disagreed")).toBe(0);
    expect(nextReputation(500, "lease_expired")).toBe(495);
  });
});
