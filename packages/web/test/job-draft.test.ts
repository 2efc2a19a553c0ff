// The dashboard's submit form checks a draft before anything is sent, naming the field.
import { describe, expect, it } from "vitest";
import { buildJob, type Draft } from "../app/pages/jobs/job-draft.ts";

const draft = (patch: Partial<Draft> = {}): Draft => ({
  workload: "llm_gen",
  prompt: "Hello, miner",
  maxTokens: "16",
  params: "",
  reward: "1000",
  maxRuntime: "",
  verification: "none",
  replicas: "3",
  quorum: "2",
  ...patch,
});

describe("the submit form's draft", () => {
  it("builds the request the coordinator takes", () => {
    expect(buildJob(draft())).toEqual({
      workload: "llm_gen",
      params: { prompt: "Hello, miner", max_tokens: 16 },
      reward: 1000,
      verification: { mode: "none" },
    });
    expect(buildJob(draft({ workload: "torch_bench", params: '{"n": 512}', verification: "replicate" }))).toEqual({
      workload: "torch_bench",
      params: { n: 512 },
      reward: 1000,
      verification: { mode: "replicate", replicas: 3, quorum: 2 },
    });
  });

  it("names the field and says what is wrong: the range for a negative number, not 'enter a whole number'", () => {
    expect(buildJob(draft({ maxTokens: "-5" }))).toBe("Max tokens: must be between 1 and 4096");
    expect(buildJob(draft({ maxTokens: "1.5" }))).toBe("Max tokens: enter a whole number");
    expect(buildJob(draft({ maxTokens: "abc" }))).toBe("Max tokens: enter a whole number");
    expect(buildJob(draft({ reward: "99999999999999999999" }))).toBe("Reward: must be between 0 and 1000000000000");
    expect(buildJob(draft({ prompt: "  " }))).toBe("Prompt: enter the text to continue");
    expect(buildJob(draft({ workload: "x", params: "{oops" }))).toMatch(/^Parameters: not JSON/);
    expect(buildJob(draft({ verification: "replicate", replicas: "3", quorum: "4" }))).toBe(
      "Quorum: must be between 1 and 3",
    );
  });
});
