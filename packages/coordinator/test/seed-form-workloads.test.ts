// A miner that declares no workloads (the seed's miner.sh) is offered torch_bench only: its llm_gen
// and sd_infer just write a placeholder line ("stub: run text generation here"), so a client would
// pay in full for nothing. A miner that really runs them declares them.
import { describe, expect, it } from "vitest";
import { startTestCoordinator } from "./support/coordinator.ts";

describe("a miner that declares no workloads (the seed's miner.sh)", () => {
  it("is offered torch_bench, never the llm_gen or sd_infer its script only stubs", async () => {
    await using own = await startTestCoordinator();
    const client = await own.client(1_000);
    const miner = await own.miner("seed-form");
    for (const body of [
      { workload: "llm_gen", params: { prompt: "hello" }, reward: 10 },
      { workload: "sd_infer", params: { prompt: "a cat" }, reward: 10 },
    ]) {
      expect((await own.call("POST", "/v1/jobs", { key: client.key, body })).status).toBe(201);
    }
    const poll = () => own.call("GET", `/v1/miner/next?miner=${miner.minerId}&slots=1`, { key: miner.key });
    expect((await poll()).status).toBe(204);
    const bench = await own.call("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "torch_bench", reward: 10 },
    });
    expect((await poll()).body).toMatchObject({ id: bench.body.id, workload: "torch_bench" });
  });
});
