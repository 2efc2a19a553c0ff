// A job whose workload no online miner offers is still taken (201, queued: a miner may come), but
// its submit answer says so (warnings: NO_MINER_OFFERS_WORKLOAD) instead of leaving the client to
// find out when it expires at ttl_s.
import { describe, expect, it } from "vitest";
import { items, startTestCoordinator } from "./support/coordinator.ts";

describe("submitting a job no online miner can run", () => {
  it("is 201 and queued, with a NO_MINER_OFFERS_WORKLOAD warning; none once a miner offers the workload", async () => {
    await using coordinator = await startTestCoordinator({ config: { heartbeatTimeoutS: 90 } });
    const client = await coordinator.client(1_000);
    const submit = (workload: string) =>
      coordinator.call("POST", "/v1/jobs", { key: client.key, body: { workload, reward: 10 } });

    const lonely = await submit("transcribe");
    expect(lonely.status).toBe(201);
    expect(lonely.body.state).toBe("QUEUED");
    expect(items(lonely.body.warnings)).toEqual([
      expect.objectContaining({ code: "NO_MINER_OFFERS_WORKLOAD", workload: "transcribe" }),
    ]);
    expect(String(items(lonely.body.warnings)[0]?.message)).toMatch(/no online miner/i);
    const openapi = await coordinator.call("GET", "/openapi.json");
    expect(JSON.stringify(openapi.body.paths?.["/v1/jobs"]?.post)).toContain("warnings");

    await coordinator.miner("transcriber", { capabilities: { workloads: ["transcribe"] } });
    const served = await submit("transcribe");
    expect(served.status).toBe(201);
    expect(served.body.warnings).toBeUndefined();

    // The seed's miner.sh declares nothing: it runs torch_bench, not llm_gen.
    await coordinator.miner("seed-form");
    expect((await submit("torch_bench")).body.warnings).toBeUndefined();
    expect(items((await submit("echo")).body.warnings)[0]?.code).toBe("NO_MINER_OFFERS_WORKLOAD");

    // A miner that went silent for the heartbeat timeout is not online any more.
    coordinator.clock.advance(91_000);
    await coordinator.running.service.sweep();
    expect(items((await submit("transcribe")).body.warnings)[0]?.code).toBe("NO_MINER_OFFERS_WORKLOAD");
  });
});
