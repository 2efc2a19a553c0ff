// A mistyped param of a built-in workload ({"max_token": 5}) used to be taken silently: the miner
// ignored it and ran, and the client paid for, the default (256 tokens). It is now 422 naming it.
import { describe, expect, it } from "vitest";
import { startTestCoordinator } from "./support/coordinator.ts";

describe("a param the workload does not read", () => {
  it("is refused with 422 INVALID_PARAMS naming it and the one meant, and escrows nothing", async () => {
    await using coordinator = await startTestCoordinator();
    const client = await coordinator.client(500);
    const submit = (workload: string, params: unknown) =>
      coordinator.call("POST", "/v1/jobs", { key: client.key, body: { workload, params, reward: 100 } });

    const typo = await submit("llm_gen", { prompt: "hello", max_token: 5 });
    expect(typo.status).toBe(422);
    expect(typo.body.error).toEqual({
      code: "INVALID_PARAMS",
      message:
        "params.max_token is not a parameter of llm_gen (did you mean max_tokens?): it takes prompt, messages, max_tokens, temperature, seed, stop, model",
      details: { field: "body.params.max_token", workload: "llm_gen" },
    });
    const bench = await submit("torch_bench", { size: 1024 });
    expect(bench.body.error?.details?.field).toBe("body.params.size");
    expect(bench.body.error?.message).toBe("params.size is not a parameter of torch_bench: it takes n, iters");
    // Named before the problems it explains: "promt" is why there is no prompt.
    const missing = await submit("sd_infer", { promt: "a cat" });
    expect(missing.body.error?.details?.field).toBe("body.params.promt");
    expect(missing.body.error?.message).toMatch(/did you mean prompt\?/);
    expect((await coordinator.call("GET", "/v1/wallet/balance", { key: client.key })).body.balance).toBe(500);

    // Spelled right, it is taken; a workload Pithead does not know keeps params of its own.
    expect((await submit("llm_gen", { prompt: "hello", max_tokens: 5 })).status).toBe(201);
    expect((await submit("my_render", { max_token: 5 })).status).toBe(201);
  });
});
