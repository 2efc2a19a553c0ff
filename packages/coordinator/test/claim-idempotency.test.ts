// POST /v1/miner/claim with an Idempotency-Key, on a real coordinator over HTTP: a retry gets the
// jobs and lease tokens of the first answer (Idempotent-Replayed), never a second lease — also when
// it arrives while the first is still long-polling — and a key reused with another body is 409.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { items, startTestCoordinator, type TestCoordinator } from "./support/coordinator.ts";

let coordinator: TestCoordinator;
beforeAll(async () => {
  coordinator = await startTestCoordinator();
});
afterAll(async () => {
  await coordinator[Symbol.asyncDispose]();
});

let counter = 0;

/** A registered miner of its own workload, a funded client, and a way to submit and to claim. */
async function setting() {
  const workload = `claim_work_${++counter}`;
  const client = await coordinator.client();
  const miner = await coordinator.miner(`claim-miner-${counter}`, {
    capabilities: { workloads: [workload], concurrency: 4 },
  });
  const submit = async () => {
    const job = await coordinator.call("POST", "/v1/jobs", { key: client.key, body: { workload, reward: 10 } });
    expect(job.status).toBe(201);
    return String(job.body.id);
  };
  const claim = (idempotencyKey: string, body: Record<string, unknown> = {}) =>
    coordinator.call("POST", "/v1/miner/claim", {
      key: miner.key,
      headers: { "idempotency-key": idempotencyKey },
      body: { miner_id: miner.minerId, max_jobs: 1, ...body },
    });
  const leases = async (jobId: string) =>
    items((await coordinator.call("GET", `/v1/jobs/${jobId}`, { key: client.key })).body.leases);
  return { submit, claim, leases };
}

describe("a claim with an Idempotency-Key", () => {
  it("sent again replays the first answer (same job, same lease token), leasing nothing more", async () => {
    const { submit, claim, leases } = await setting();
    const jobId = await submit();
    await submit(); // another job a second lease would take
    const first = await claim("claim-1");
    expect(first.status).toBe(200);
    expect(items(first.body.jobs).map((job) => job.id)).toEqual([jobId]);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const again = await claim("claim-1");
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(await leases(jobId)).toHaveLength(1);
  });

  it("sent again while the first still long-polls waits for it and replays its job: one lease", async () => {
    const { submit, claim, leases } = await setting();
    const waiting = claim("claim-wait", { wait_s: 30 });
    const streams = coordinator.running.service.streams;
    await until(() => streams.size === 1);
    const retry = claim("claim-wait", { wait_s: 30 });
    await until(() => streams.size === 2);
    const jobId = await submit();
    const [first, second] = await Promise.all([waiting, retry]);
    expect(items(first.body.jobs).map((job) => job.id)).toEqual([jobId]);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(second.body).toEqual(first.body);
    expect(await leases(jobId)).toHaveLength(1);
  });

  it("with another body is 409 IDEMPOTENCY_KEY_REUSED; an answer that leased nothing is not kept", async () => {
    const { submit, claim } = await setting();
    const empty = await claim("claim-empty");
    expect(empty.body).toEqual({ jobs: [] });
    // It did nothing, so the key claims afresh.
    const jobId = await submit();
    const later = await claim("claim-empty");
    expect(items(later.body.jobs).map((job) => job.id)).toEqual([jobId]);
    expect(later.headers.get("idempotent-replayed")).toBeNull();
    const reused = await claim("claim-empty", { max_jobs: 2 });
    expect(reused.status).toBe(409);
    expect(reused.body.error?.code).toBe("IDEMPOTENCY_KEY_REUSED");
  });
});

/** Waits (real time, bounded) for the coordinator to reach a state. */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
