// GET /v1/jobs/{id}/receipt?miner_id= naming a miner the job did not pay used to answer "This job
// has no receipt (it did not complete)" for a COMPLETED job; it now says whose receipts there are.
import { describe, expect, it } from "vitest";
import { sha256, startTestCoordinator } from "./support/coordinator.ts";

describe("the receipt of a miner a completed job did not pay", () => {
  it("is 404 naming the miner asked for and the miners paid", async () => {
    await using coordinator = await startTestCoordinator();
    const client = await coordinator.client(1_000);
    const miner = await coordinator.miner("rig-1", { capabilities: { workloads: ["echo"] } });
    const job = await coordinator.call("POST", "/v1/jobs", { key: client.key, body: { workload: "echo", reward: 10 } });
    const id = String(job.body.id);
    const next = await coordinator.call("GET", `/v1/miner/next?miner=${miner.minerId}&slots=1`, { key: miner.key });
    expect(next.body.id).toBe(id);
    const proof = await coordinator.call("POST", "/v1/miner/proof", {
      key: miner.key,
      body: { id, mode: "cpu", output_sha: sha256("out"), metrics: {} },
    });
    expect(proof.body.state).toBe("COMPLETED");

    const own = await coordinator.call("GET", `/v1/jobs/${id}/receipt?miner_id=rig-1`, { key: client.key });
    expect(own.status).toBe(200);
    const other = await coordinator.call("GET", `/v1/jobs/${id}/receipt?miner_id=rig-9`, { key: client.key });
    expect(other.status).toBe(404);
    expect(other.body.error?.code).toBe("RECEIPT_NOT_FOUND");
    expect(String(other.body.error?.message)).toBe("This job has no receipt for miner rig-9: it paid rig-1");
    expect(other.body.error?.details?.field).toBe("querystring.miner_id");
  });
});
