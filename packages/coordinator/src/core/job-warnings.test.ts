import { describe, expect, it } from "vitest";
import { jobWarnings, type WaitingJob } from "./job-warnings.ts";
import type { Assignment, Miner } from "./model.ts";

const job: WaitingJob = { state: "QUEUED", openSlots: 1, workload: "llm_gen", constraints: {}, maxRuntimeS: 600 };
const miner = (id: string, wallet: string, extra: Partial<Miner> = {}): Miner =>
  ({ id, wallet, gpu: false, reputation: 500, capabilities: { workloads: ["llm_gen"] }, ...extra }) as Miner;

describe("job warnings", () => {
  it("names each constraint that rules the offering miners out, with the best online value", () => {
    const slow = miner("m1", "w1", { capabilities: { workloads: ["llm_gen"], limits: { max_runtime_s: 60 } } });
    const low = miner("m2", "w2", { reputation: 300 });
    const [warning] = jobWarnings({ ...job, constraints: { min_reputation: 700 } }, [slow, low], []);
    expect(warning?.code).toBe("NO_MINER_MEETS_CONSTRAINTS");
    expect(warning?.constraints).toEqual(["min_reputation 700 (the highest online is 500)"]);
    const [runtime] = jobWarnings(job, [slow], []);
    expect(runtime?.constraints).toEqual(["max_runtime_s 600 (online miners run at most 60 s)"]);
    expect(JSON.stringify(runtime)).not.toMatch(/m1|w1/);
  });

  it("counts distinct wallets, not miners, against open replicas, leaving out miners that took a replica", () => {
    const replicated = { ...job, openSlots: 2 };
    const sameWallet = [miner("m1", "w1"), miner("m2", "w1")];
    expect(jobWarnings(replicated, sameWallet, [])[0]).toMatchObject({ code: "TOO_FEW_ELIGIBLE_MINERS", eligible: 1 });
    const two = [miner("m1", "w1"), miner("m2", "w2"), miner("m3", "w3")];
    expect(jobWarnings(replicated, two, [])).toEqual([]);
    // m1 holds a live replica and m2's earlier lease failed: neither takes another one of this job.
    const taken = [
      { minerId: "m1", wallet: "w1", state: "LEASED" },
      { minerId: "m2", wallet: "w2", state: "FAILED" },
    ] as Assignment[];
    expect(jobWarnings(replicated, two, taken)[0]).toMatchObject({ eligible: 1, open_slots: 2 });
  });

  it("has none for a finished job or one with no open slot", () => {
    expect(jobWarnings({ ...job, state: "EXPIRED" }, [], [])).toEqual([]);
    expect(jobWarnings({ ...job, state: "LEASED", openSlots: 0 }, [], [])).toEqual([]);
    expect(jobWarnings(job, [], [])[0]?.code).toBe("NO_MINER_OFFERS_WORKLOAD");
  });
});
