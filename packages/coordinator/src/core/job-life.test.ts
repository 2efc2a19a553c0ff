import { describe, expect, it } from "vitest";
import { liveState, newLease, renewedExpiry, replicaExhausted, takeSlot, withSlotReopened } from "./job-life.ts";
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

  it("gives a replica up once it lost its lease at attempt max_attempts", () => {
    expect(replicaExhausted({ attempt: 2 }, { maxAttempts: 3 })).toBe(false);
    expect(replicaExhausted({ attempt: 3 }, { maxAttempts: 3 })).toBe(true);
  });

  it("numbers attempts per replica: 1 on each first lease, the attempt a lost lease reopened its slot at", () => {
    let job = { openSlots: 3, openAttempts: [1, 1, 1], attempt: 0, startBy: null, ttlS: 10, state: "QUEUED" as const };
    const firsts = [];
    for (let i = 0; i < 3; i++) {
      const slot = takeSlot(job);
      firsts.push(slot.attempt);
      job = slot.job;
    }
    expect(firsts).toEqual([1, 1, 1]);
    expect(job).toMatchObject({ openSlots: 0, openAttempts: [], attempt: 1 });
    job = withSlotReopened(job, 2, [{ state: "LEASED" }], 0);
    expect(takeSlot(job)).toMatchObject({ attempt: 2, job: { openSlots: 0, openAttempts: [], attempt: 2 } });
    // A replica already tried goes out before one never leased.
    expect(takeSlot({ openSlots: 2, openAttempts: [1, 2], attempt: 1 })).toMatchObject({
      attempt: 2,
      job: { openAttempts: [1] },
    });
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
