// A queued job no online miner can take says why on GET /v1/jobs/{id}, judged by the claim rules
// (workload, constraints, distinct miners and wallets per replica) against the miners online now,
// so the operator is not left to find out when it expires at ttl_s. Worded with counts and limits:
// a client sees it about its own job, never other tenants' miner ids or wallets.
import { describe, expect, it } from "vitest";
import { items, startTestCoordinator } from "./support/coordinator.ts";

describe("GET /v1/jobs/{id} warnings", () => {
  it("names the constraint no online miner meets, to the job's client key", async () => {
    await using coordinator = await startTestCoordinator({ config: { heartbeatTimeoutS: 90 } });
    const client = await coordinator.client(1_000);
    await coordinator.miner("small-gpu", {
      gpu: true,
      capabilities: { workloads: ["transcribe"], gpus: [{ name: "T4", memory_mb: 8192 }] },
    });
    const submitted = await coordinator.call("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "transcribe", reward: 10, constraints: { min_vram_mb: 24000 } },
    });
    expect(submitted.status).toBe(201);
    expect(items(submitted.body.warnings)[0]?.code).toBe("NO_MINER_MEETS_CONSTRAINTS");

    const read = await coordinator.call("GET", `/v1/jobs/${submitted.body.id}`, { key: client.key });
    expect(read.status).toBe(200);
    const warnings = items(read.body.warnings);
    expect(warnings).toEqual([expect.objectContaining({ code: "NO_MINER_MEETS_CONSTRAINTS", workload: "transcribe" })]);
    expect(String(warnings[0]?.message)).toContain("min_vram_mb 24000 (the largest online is 8192)");
    expect(JSON.stringify(read.body.warnings)).not.toMatch(/small-gpu|w_small-gpu/);
  });

  it("says when no online miner offers the workload, and none once one does", async () => {
    await using coordinator = await startTestCoordinator({ config: { heartbeatTimeoutS: 90 } });
    const client = await coordinator.client(1_000);
    const job = await coordinator.call("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "transcribe", reward: 10 },
    });
    const read = () => coordinator.call("GET", `/v1/jobs/${job.body.id}`, { key: client.key });
    expect(items((await read()).body.warnings)[0]?.code).toBe("NO_MINER_OFFERS_WORKLOAD");

    await coordinator.miner("transcriber", { capabilities: { workloads: ["transcribe"] } });
    const served = await read();
    expect(served.body.state).toBe("QUEUED");
    expect(served.body.warnings).toBeUndefined();
  });

  it("counts eligible wallets against open replicas", async () => {
    await using coordinator = await startTestCoordinator({ config: { heartbeatTimeoutS: 90 } });
    const client = await coordinator.client(1_000);
    // One eligible miner for three replicas: replicas go to distinct miners and wallets.
    await coordinator.miner("a", { capabilities: { workloads: ["torch_bench"] } });
    const job = await coordinator.call("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "torch_bench", reward: 10, verification: { mode: "replicate", replicas: 3 } },
    });
    expect(job.status).toBe(201);
    const read = await coordinator.call("GET", `/v1/jobs/${job.body.id}`, { key: client.key });
    expect(items(read.body.warnings)).toEqual([
      expect.objectContaining({ code: "TOO_FEW_ELIGIBLE_MINERS", eligible: 1, open_slots: 3 }),
    ]);
  });

  it("has none for a finished job", async () => {
    await using coordinator = await startTestCoordinator({ config: { heartbeatTimeoutS: 90 } });
    const client = await coordinator.client(1_000);
    const job = await coordinator.call("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "transcribe", reward: 10 },
    });
    const canceled = await coordinator.call("POST", `/v1/jobs/${job.body.id}/cancel`, { key: client.key });
    expect(canceled.status).toBe(200);
    const read = await coordinator.call("GET", `/v1/jobs/${job.body.id}`, { key: client.key });
    expect(read.body.state).toBe("CANCELED");
    expect(read.body.warnings).toBeUndefined();
    const openapi = await coordinator.call("GET", "/openapi.json");
    expect(JSON.stringify(openapi.body.paths?.["/v1/jobs/{id}"]?.get)).toContain("TOO_FEW_ELIGIBLE_MINERS");
  });
});
