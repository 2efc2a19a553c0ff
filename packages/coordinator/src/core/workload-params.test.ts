import { describe, expect, it } from "vitest";
import { checkWorkloadParams } from "./workload-params.ts";

const field = (workload: string, params: unknown) => checkWorkloadParams(workload, params)?.field;

describe("checkWorkloadParams", () => {
  it("takes what the built-in workloads take, with their defaults for what is left out", () => {
    expect(checkWorkloadParams("llm_gen", { prompt: "abc", max_tokens: 8, temperature: 0.7, seed: 7 })).toBeUndefined();
    expect(
      checkWorkloadParams("llm_gen", { messages: [{ role: "user", content: "hi" }], stop: ["\n"], model: "tiny" }),
    ).toBeUndefined();
    expect(checkWorkloadParams("torch_bench", undefined)).toBeUndefined();
    expect(checkWorkloadParams("torch_bench", { n: 1024, iters: 100 })).toBeUndefined();
    expect(checkWorkloadParams("sd_infer", { prompt: "a cat", width: 512, height: 768, steps: 30 })).toBeUndefined();
  });

  it("names the first field a miner would refuse", () => {
    expect(field("llm_gen", { prompt: "a", temperature: 3 })).toBe("body.params.temperature");
    expect(field("llm_gen", { prompt: "a", seed: -1 })).toBe("body.params.seed");
    expect(field("llm_gen", { prompt: "a", stop: [""] })).toBe("body.params.stop");
    expect(field("llm_gen", { prompt: "a", messages: [] })).toBe("body.params");
    expect(field("llm_gen", { messages: [{ role: "robot", content: "x" }] })).toBe("body.params.messages[0].role");
    expect(field("llm_gen", { messages: [{ role: "user", content: 1 }] })).toBe("body.params.messages[0].content");
    expect(field("llm_gen", { prompt: 42 })).toBe("body.params.prompt");
    expect(field("llm_gen", { prompt: "a", model: "m".repeat(201) })).toBe("body.params.model");
    expect(field("sd_infer", { prompt: "  " })).toBe("body.params.prompt");
    expect(field("sd_infer", { prompt: "a cat", height: 4096 })).toBe("body.params.height");
    expect(field("sd_infer", { prompt: "a cat", cfg_scale: Number.NaN })).toBe("body.params.cfg_scale");
    expect(field("torch_bench", { iters: 1.5 })).toBe("body.params.iters");
    expect(field("torch_bench", "fast")).toBe("body.params");
  });

  it("leaves the params of other workloads to their miners", () => {
    expect(checkWorkloadParams("my_render", { anything: ["goes"] })).toBeUndefined();
    expect(checkWorkloadParams("my_render", "even a string")).toBeUndefined();
  });
});
