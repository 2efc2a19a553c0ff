// A job id written in capitals (copied from a tool that prints UUIDs that way) answered 404 on every
// route: UUIDs are case-insensitive (RFC 9562), so each route taking a job id now takes any case
// and answers with the canonical lowercase id, and who may see or prove a job is unchanged.
import { describe, expect, it } from "vitest";
import { items, leasedJob, sha256, startTestCoordinator } from "./support/coordinator.ts";

describe("a job id in capitals", () => {
  it("finds the job on every client route, answered with the lowercase id, for its owner only", async () => {
    await using coordinator = await startTestCoordinator();
    const { client, miner, jobId } = await leasedJob(coordinator);
    const upper = jobId.toUpperCase();
    expect(upper).not.toBe(jobId);

    const job = await coordinator.call("GET", `/v1/jobs/${upper}`, { key: client.key });
    expect(job.status).toBe(200);
    expect(job.body.id).toBe(jobId);
    const early = await coordinator.call("GET", `/v1/jobs/${upper}/result`, { key: client.key });
    expect(early.status).toBe(425);
    expect(early.body.error?.details?.job_id).toBe(jobId);

    // Another client still cannot see it, whatever the case.
    const stranger = await coordinator.client();
    const hidden = await coordinator.call("GET", `/v1/jobs/${upper}`, { key: stranger.key });
    expect(hidden.status).toBe(404);
    // Nor can another miner prove it.
    const other = await coordinator.miner("other-rig", { capabilities: { workloads: ["nothing_here"] } });
    const stolen = await coordinator.call("POST", "/v1/miner/proof", {
      key: other.key,
      body: { id: upper, output_sha: sha256("x"), output: "x", metrics: {} },
    });
    expect(stolen.status).toBe(409);

    const proof = await coordinator.call("POST", "/v1/miner/proof", {
      key: miner.key,
      body: { id: upper, output_sha: sha256("done"), output: "done", metrics: {} },
    });
    expect(proof.status).toBe(200);
    expect(proof.body.job_id).toBe(jobId);
    expect(proof.body.state).toBe("COMPLETED");

    const result = await coordinator.call("GET", `/v1/jobs/${upper}/result`, { key: client.key });
    expect(result.status).toBe(200);
    expect(result.body.job_id).toBe(jobId);
    const receipt = await coordinator.call("GET", `/v1/jobs/${upper}/receipt`, { key: client.key });
    expect(receipt.status).toBe(200);
    expect(receipt.body.receipt).toMatchObject({ job_id: jobId });
    const ledger = await coordinator.call("GET", `/v1/jobs/${upper}/ledger`, { key: client.key });
    expect(ledger.status).toBe(200);
    expect(items(ledger.body.records).length).toBeGreaterThan(0);
    const cancel = await coordinator.call("POST", `/v1/jobs/${upper}/cancel`, { key: client.key });
    expect(cancel.status).toBe(409);
  });

  it("is still refused, naming the field, in its urn:uuid: form", async () => {
    await using coordinator = await startTestCoordinator();
    const { client, jobId } = await leasedJob(coordinator);
    const urn = await coordinator.call("GET", `/v1/jobs/urn:uuid:${jobId}`, { key: client.key });
    expect(urn.status).toBe(422);
    expect(urn.body.error?.details?.field).toBe("params.id");
  });

  it("counts in a poll's done= list: the finished job frees its slot for the next", async () => {
    await using coordinator = await startTestCoordinator();
    const { client, miner, jobId, workload } = await leasedJob(coordinator);
    const next = await coordinator.call("POST", "/v1/jobs", { key: client.key, body: { workload, reward: 1 } });
    const poll = (done: string) =>
      coordinator.call("GET", `/v1/miner/next?miner=${miner.minerId}&slots=1&done=${done}`, { key: miner.key });
    expect((await poll(jobId.toUpperCase())).body.id).toBe(next.body.id);
  });

  it("is taken by the miner's fail route and by cancel", async () => {
    await using coordinator = await startTestCoordinator();
    const { client, miner, jobId } = await leasedJob(coordinator);
    const failed = await coordinator.call("POST", "/v1/miner/fail", {
      key: miner.key,
      body: { id: jobId.toUpperCase(), error_code: "OOM", message: "out of memory" },
    });
    expect(failed.status).toBe(200);
    expect(failed.body.job_id).toBe(jobId);
    expect(failed.body.requeued).toBe(true);

    const canceled = await coordinator.call("POST", `/v1/jobs/${jobId.toUpperCase()}/cancel`, { key: client.key });
    expect(canceled.status).toBe(200);
    expect(canceled.body.id).toBe(jobId);
    expect(canceled.body.state).toBe("CANCELED");
  });
});
