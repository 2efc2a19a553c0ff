// The coordinator refuses a built-in workload's params at submission exactly when the miner would
// refuse them when it ran the job, with the same words: a job either fails fast at the client or
// runs, never sits requeued because every miner turned it down.
import { checkWorkloadParams } from "@pithead/coordinator";
import { type LeasedJob, llmRequest, torchBenchParams, txt2imgBody, WorkloadError } from "@pithead/miner";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const readers: Record<string, (job: LeasedJob) => unknown> = {
  llm_gen: llmRequest,
  sd_infer: txt2imgBody,
  torch_bench: torchBenchParams,
};

/** What the miner says about these params: undefined when it would run them. */
function minerVerdict(workload: string, params: unknown): string | undefined {
  const job: LeasedJob = { id: "j", workload, params, lease_expires_at: "", attempt: 1, max_runtime_s: 60 };
  try {
    readers[workload]?.(job);
    return undefined;
  } catch (error) {
    if (error instanceof WorkloadError && error.code === "BAD_PARAMS") return error.message;
    throw error;
  }
}

// Values near and across each rule's edges, of every JSON type.
const anyValue = fc.oneof(
  fc.constantFrom(undefined, null, true, "", " ", "x", "\n", -1, 0, 0.5, 1, 1.5, 2, 3, 7, 8, 15, 16, 30, 31, 63, 64),
  fc.constantFrom(100, 150, 151, 512, 500, 2048, 2049, 16_384, 16_385, 100_000, 100_001, 2 ** 20, 2 ** 20 + 1),
  fc.constantFrom(2 ** 32 - 1, 2 ** 32, Number.NaN, [], ["\n"], [""], ["a", 1], {}, [{ role: "user", content: "hi" }]),
  fc.constantFrom([{ role: "robot", content: "x" }], [{ role: "user", content: 1 }], [null], "a".repeat(201)),
  fc.integer({ min: -10, max: 3000 }),
  fc.double({ min: -1, max: 40, noNaN: true }),
  fc.string({ maxLength: 4 }),
);

/** A value each field takes, so that many generated params pass every rule and some fail just one. */
const fine: Record<string, unknown> = {
  prompt: "a cat",
  messages: [{ role: "user", content: "hi" }],
  max_tokens: 8,
  temperature: 0.5,
  seed: 7,
  stop: ["\n"],
  model: "m",
  negative_prompt: "blurry",
  steps: 20,
  width: 512,
  height: 768,
  cfg_scale: 7,
  sampler_name: "Euler",
  n: 64,
  iters: 10,
};

const fields: Record<string, string[]> = {
  llm_gen: ["prompt", "messages", "max_tokens", "temperature", "seed", "stop"],
  sd_infer: ["prompt", "model", "negative_prompt", "steps", "width", "height", "cfg_scale", "seed", "sampler_name"],
  torch_bench: ["n", "iters"],
};

function paramsFor(workload: string) {
  const names = fields[workload] ?? [];
  const value = (name: string) =>
    fc.oneof({ weight: 4, arbitrary: fc.constant(fine[name]) }, { weight: 1, arbitrary: anyValue });
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record(Object.fromEntries(names.map((name) => [name, value(name)])), { requiredKeys: [] }),
    },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, "text", 3, [1]) },
  );
}

describe("workload params: coordinator and miner agree", () => {
  for (const workload of Object.keys(readers)) {
    it(`${workload}: refused by one exactly when refused by the other, in the same words`, () => {
      let refused = 0;
      fc.assert(
        fc.property(paramsFor(workload), (params) => {
          const miner = minerVerdict(workload, params);
          const coordinator = checkWorkloadParams(workload, params);
          if (miner !== undefined) refused++;
          expect(coordinator?.message).toBe(miner);
        }),
        { numRuns: 3000 },
      );
      // The corpus exercises both answers, not just one.
      expect(refused).toBeGreaterThan(100);
      expect(refused).toBeLessThan(3000);
    });
  }
});
