import { describe, expect, it } from "vitest";
import { defaultWorkloads, freeSlots, minerVramMb, mismatch } from "./matching.ts";
import type { Job, Miner } from "./model.ts";

const baseJob = { workload: "llm_gen", constraints: {}, maxRuntimeS: 60 } as unknown as Job;
const baseMiner = { gpu: false, capabilities: null, reputation: 500 } as unknown as Miner;
const withCaps = (capabilities: Miner["capabilities"], extra: Partial<Miner> = {}): Miner =>
  ({ ...baseMiner, capabilities, ...extra }) as Miner;
const withConstraints = (constraints: Job["constraints"], extra: Partial<Job> = {}): Job =>
  ({ ...baseJob, constraints, ...extra }) as Job;

describe("matching", () => {
  it("offers a miner that declares nothing (the seed's miner.sh) only torch_bench, the one seed workload it really runs", () => {
    expect(defaultWorkloads).toEqual(["torch_bench"]);
    expect(mismatch({ ...baseJob, workload: "torch_bench" } as Job, baseMiner)).toBeUndefined();
    // Its llm_gen and sd_infer are stubs that print a placeholder: a client would pay for nothing.
    expect(mismatch(baseJob, baseMiner)).toMatch(/does not run llm_gen/);
    expect(mismatch({ ...baseJob, workload: "sd_infer" } as Job, baseMiner)).toMatch(/does not run sd_infer/);
    expect(mismatch({ ...baseJob, workload: "custom" } as Job, baseMiner)).toMatch(/does not run custom/);
    expect(mismatch(baseJob, withCaps({ workloads: ["llm_gen"] }))).toBeUndefined();
  });

  it("checks every constraint and says which one failed", () => {
    const gpuMiner = withCaps(
      { workloads: ["llm_gen"], models: ["tiny"], gpus: [{ name: "RTX", memory_mb: 16_000 }], region: "eu" },
      { gpu: true },
    );
    expect(mismatch(withConstraints({ gpu: true }), withCaps({ workloads: ["llm_gen"] }))).toBe("needs a GPU");
    expect(mismatch(withConstraints({ gpu: true }), gpuMiner)).toBeUndefined();
    expect(mismatch(withConstraints({ min_vram_mb: 24_000 }), gpuMiner)).toMatch(/VRAM/);
    expect(mismatch(withConstraints({ min_vram_mb: 8_000 }), gpuMiner)).toBeUndefined();
    expect(mismatch(withConstraints({ models: ["tiny", "big"] }), gpuMiner)).toBe("lacks model big");
    expect(mismatch(withConstraints({ region: "us" }), gpuMiner)).toMatch(/region/);
    expect(mismatch(withConstraints({ min_reputation: 600 }), gpuMiner)).toMatch(/reputation/);
    expect(
      mismatch(
        withConstraints({}, { maxRuntimeS: 600 }),
        withCaps({ workloads: ["llm_gen"], limits: { max_runtime_s: 60 } }),
      ),
    ).toMatch(/at most 60/);
  });

  it("takes VRAM from the declared limit, else the biggest GPU", () => {
    expect(minerVramMb(withCaps({ limits: { vram_mb: 8_000 }, gpus: [{ name: "x", memory_mb: 24_000 }] }))).toBe(8_000);
    expect(
      minerVramMb(
        withCaps({
          gpus: [
            { name: "a", memory_mb: 12_000 },
            { name: "b", memory_mb: 24_000 },
          ],
        }),
      ),
    ).toBe(24_000);
  });

  it("caps free slots by the slots asked, the declared concurrency and the coordinator's limit", () => {
    expect(freeSlots(baseMiner, 0, 1, 64)).toBe(1);
    expect(freeSlots(baseMiner, 1, 1, 64)).toBe(0);
    expect(freeSlots(withCaps({ concurrency: 2 }), 0, 8, 64)).toBe(2);
    expect(freeSlots(baseMiner, 3, 100, 4)).toBe(1);
    expect(freeSlots(baseMiner, 10, 4, 64)).toBe(0);
  });
});
