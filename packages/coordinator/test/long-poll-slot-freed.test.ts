// Regression: a miner long-polling at its in-flight limit (its result is still being delivered
// while its slot already polls for the next job) must get the next queued job the moment its
// proof frees the slot — not when its long-poll times out. A miner may also name the jobs it has
// finished (done=): their slots free before their proofs land.
import { afterAll, beforeAll, expect, it } from "vitest";
import { sha256, startTestCoordinator, type TestCoordinator } from "./support/coordinator.ts";

let coordinator: TestCoordinator;

beforeAll(async () => {
  coordinator = await startTestCoordinator();
});
afterAll(async () => {
  await coordinator[Symbol.asyncDispose]();
});

it("wakes a miner waiting at its slot limit as soon as its proof is accepted", async () => {
  const miner = await coordinator.miner("slot-1", { capabilities: { workloads: ["slot_work"] } });
  const client = await coordinator.client();
  const first = await coordinator.call("POST", "/v1/jobs", {
    key: client.key,
    body: { workload: "slot_work", reward: 1 },
  });
  const second = await coordinator.call("POST", "/v1/jobs", {
    key: client.key,
    body: { workload: "slot_work", reward: 1 },
  });
  const leased = await coordinator.call("GET", "/v1/miner/next?miner=slot-1&slots=1", { key: miner.key });
  expect(leased.body.id).toBe(first.body.id);

  // One slot, one job in flight: this long-poll cannot be answered until the first job is proved.
  const poll = coordinator.call("GET", "/v1/miner/next?miner=slot-1&slots=1&wait=30", { key: miner.key });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const output = "done";
  const proved = await coordinator.call("POST", "/v1/miner/proof", {
    key: miner.key,
    body: { id: first.body.id, mode: "cpu", output, output_sha: sha256(output), metrics: {} },
  });
  expect(proved.status).toBe(200);

  const started = Date.now();
  const next = await poll;
  expect(next.status).toBe(200);
  expect(next.body.id).toBe(second.body.id);
  // A bound on a hang (the long-poll's own deadline is 30 s), not a timing assertion.
  expect(Date.now() - started).toBeLessThan(20_000);
});

it("a miner that names its finished job as done gets the next one before its proof lands", async () => {
  const miner = await coordinator.miner("slot-2", { capabilities: { workloads: ["done_work"] } });
  const client = await coordinator.client();
  const submitted: string[] = [];
  for (let i = 0; i < 3; i++) {
    const job = await coordinator.call("POST", "/v1/jobs", {
      key: client.key,
      body: { workload: "done_work", reward: 1 },
    });
    submitted.push(String(job.body.id));
  }
  const first = await coordinator.call("GET", "/v1/miner/next?miner=slot-2&slots=1", { key: miner.key });
  expect(first.body.id).toBe(submitted[0]);
  expect((await coordinator.call("GET", "/v1/miner/next?miner=slot-2&slots=1", { key: miner.key })).status).toBe(204);

  // The job is finished here and its proof not sent yet: naming it frees the slot at once.
  const second = await coordinator.call("GET", `/v1/miner/next?miner=slot-2&slots=1&wait=5&done=${submitted[0]}`, {
    key: miner.key,
  });
  expect(second.status).toBe(200);
  expect(second.body.id).toBe(submitted[1]);
  // The batch form takes the same list.
  const third = await coordinator.call("POST", "/v1/miner/claim", {
    key: miner.key,
    body: { miner_id: "slot-2", max_jobs: 1, slots: 1, done: [submitted[0], submitted[1]] },
  });
  expect((third.body.jobs as unknown as { id: string }[]).map((job) => job.id)).toEqual([submitted[2]]);
  // Both proofs still land on their leases: the lease of a job named as done stays the miner's.
  for (const id of submitted) {
    const proved = await coordinator.call("POST", "/v1/miner/proof", {
      key: miner.key,
      body: { id, mode: "cpu", output: "ok", output_sha: sha256("ok"), metrics: {} },
    });
    expect(proved.status).toBe(200);
  }
});

it("refuses a done list that is not job ids, naming the field", async () => {
  const miner = await coordinator.miner("slot-3", { capabilities: { workloads: ["done_work"] } });
  const bad = await coordinator.call("GET", "/v1/miner/next?miner=slot-3&slots=1&done=not-a-job", { key: miner.key });
  expect(bad.status).toBeGreaterThanOrEqual(400);
  expect(bad.status).toBeLessThan(500);
  expect(JSON.stringify(bad.body)).toContain("done");
  const badBody = await coordinator.call("POST", "/v1/miner/claim", {
    key: miner.key,
    body: { miner_id: "slot-3", max_jobs: 1, done: "not-a-list" },
  });
  expect(badBody.status).toBeGreaterThanOrEqual(400);
  expect(badBody.status).toBeLessThan(500);
  expect(JSON.stringify(badBody.body)).toContain("done");
});
