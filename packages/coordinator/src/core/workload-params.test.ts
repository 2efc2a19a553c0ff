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

  it("refuses a key the workload does not read, naming it and the near one meant", () => {
    expect(checkWorkloadParams("llm_gen", { prompt: "a", max_token: 5 })).toEqual({
      field: "body.params.max_token",
      message:
        "params.max_token is not a parameter of llm_gen (did you mean max_tokens?): it takes prompt, messages, max_tokens, temperature, seed, stop, model",
    });
    expect(field("torch_bench", { n: 64, iterations: 10 })).toBe("body.params.iterations");
    expect(field("sd_infer", { prompt: "a cat", "cfg scale": 7 })).toBe('body.params["cfg scale"]');
    expect(checkWorkloadParams("torch_bench", { i: 1 })?.message).toBe(
      "params.i is not a parameter of torch_bench: it takes n, iters",
    );
    expect(checkWorkloadParams("sd_infer", { prompt: "a cat", Steps: 20 })?.message).toMatch(/did you mean steps\?/);
  });

  it("leaves the params of other workloads to their miners", () => {
    expect(checkWorkloadParams("my_render", { anything: ["goes"] })).toBeUndefined();
    expect(checkWorkloadParams("my_render", "even a string")).toBeUndefined();
  });
});
