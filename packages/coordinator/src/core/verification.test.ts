import { describe, expect, it } from "vitest";
import type { Assignment, Job } from "./model.ts";
import { decideQuorum } from "./verification.ts";

/** `openSlots`: replicas not leased yet (every one in `assignments` holds or held a slot). */
function job(replicas: number, quorum: number, verification: Job["verification"] = "replicate", openSlots = 0): Job {
  return { replicas, quorum, verification, openSlots } as Job;
}

let counter = 0;
function proved(sha: string, at = ++counter): Assignment {
  return {
    id: `a${at}`,
    state: "PROVED",
    provedAt: at,
    minerId: `m${at}`,
    proof: { outputSha: sha, metrics: {}, mode: null, output: null, signature: null },
  } as Assignment;
}
const leased = (): Assignment => ({ id: `l${++counter}`, state: "LEASED", proof: null }) as Assignment;

describe("decideQuorum", () => {
  it("completes a `none` job on its first proof", () => {
    const decision = decideQuorum(job(1, 1, "none"), [proved("aa")]);
    expect(decision).toMatchObject({ outcome: "completed", outputSha: "aa" });
  });

  it("waits while a quorum is still possible", () => {
    expect(decideQuorum(job(3, 2), [proved("aa"), leased(), leased()]).outcome).toBe("pending");
    expect(decideQuorum(job(3, 2), [proved("aa"), proved("bb"), leased()]).outcome).toBe("pending");
  });

  it("completes when q proofs agree, naming who agreed and who did not", () => {
    const a = proved("aa");
    const b = proved("bb");
    const c = proved("aa");
    const decision = decideQuorum(job(3, 2), [a, b, c]);
    expect(decision.outcome).toBe("completed");
    if (decision.outcome !== "completed") return;
    expect(decision.outputSha).toBe("aa");
    expect(decision.agreeing.map((x) => x.id)).toEqual([a.id, c.id]);
    expect(decision.disagreeing.map((x) => x.id)).toEqual([b.id]);
  });

  it("fails as soon as no group can reach the quorum", () => {
    const decision = decideQuorum(job(3, 3), [proved("aa"), proved("bb"), leased()]);
    expect(decision.outcome).toBe("no_quorum");
    expect(decideQuorum(job(2, 2), [proved("aa"), proved("bb")]).outcome).toBe("no_quorum");
  });

  it("ignores leases that ended without a proof: their slot is open again", () => {
    const expired = { ...leased(), state: "EXPIRED" } as Assignment;
    expect(decideQuorum(job(2, 2, "replicate", 1), [proved("aa"), expired]).outcome).toBe("pending");
  });

  it("counts open slots toward a quorum only while they are open (closed at their start deadline)", () => {
    expect(decideQuorum(job(2, 2, "replicate", 1), [proved("aa")]).outcome).toBe("pending");
    expect(decideQuorum(job(2, 2, "replicate", 0), [proved("aa")]).outcome).toBe("no_quorum");
    expect(decideQuorum(job(3, 2, "replicate", 0), [proved("aa"), leased()]).outcome).toBe("pending");
  });
});
