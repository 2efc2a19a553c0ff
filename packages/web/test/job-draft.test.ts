// The dashboard's submit form checks a draft before anything is sent, naming the field.
import { describe, expect, it } from "vitest";
import { buildJob, type Draft, paramsTemplate, problemAfterEdit, withWorkload } from "../app/pages/jobs/job-draft.ts";

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

// Before: sd_infer's Parameters read {} and the coordinator answered "params.prompt is required".
describe("a workload's parameters template", () => {
  it("gives sd_infer a prompt, so the job the form opens with is one the coordinator takes", () => {
    const sd = withWorkload(draft({ params: "{}" }), "sd_infer");
    expect(JSON.parse(sd.params)).toMatchObject({ prompt: expect.any(String) });
    const job = buildJob(sd);
    expect(typeof job).toBe("object");
    expect((job as { params: { prompt: string } }).params.prompt.trim()).not.toBe("");
    expect(JSON.parse(paramsTemplate("torch_bench"))).toEqual({ n: 1024, iters: 100 });
  });

  it("names sd_infer's missing prompt before sending, and keeps parameters the user wrote", () => {
    expect(buildJob(draft({ workload: "sd_infer", params: "{}" }))).toBe(
      'Parameters: sd_infer needs "prompt", the text of the picture to draw',
    );
    const own = withWorkload(draft({ workload: "torch_bench", params: '{"n": 64}' }), "sd_infer");
    expect(own.params).toBe('{"n": 64}');
    // The template of the workload left behind is not the user's: the new one replaces it.
    const back = withWorkload(withWorkload(draft(), "sd_infer"), "torch_bench");
    expect(back.params).toBe(paramsTemplate("torch_bench"));
  });
});

// Before: empty Reward, Submit, then typing 10 left "Reward: enter a whole number" up until the next Submit.
describe("a validation message after an edit", () => {
  it("goes once the field it names is fixed", () => {
    const shown = buildJob(draft({ reward: "" }));
    expect(shown).toBe("Reward: enter a whole number");
    expect(problemAfterEdit(shown as string, draft({ reward: "1" }))).toBeNull();
    expect(problemAfterEdit(shown as string, draft({ reward: "10" }))).toBeNull();
  });

  it("stays while the field is still wrong, and none appears before the first Submit", () => {
    expect(problemAfterEdit("Reward: enter a whole number", draft({ reward: "x", prompt: "other" }))).toBe(
      "Reward: enter a whole number",
    );
    expect(problemAfterEdit(null, draft({ reward: "" }))).toBeNull();
  });
});
